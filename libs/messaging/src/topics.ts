import { LAB_RESULT_CONTENT_TYPE, MEDICATION_ADMINISTRATION_CONTENT_TYPE } from '@alem/events';

/** Every Kafka topic the system uses. The embedded broker pre-creates these with these partition counts. */
export const TOPICS = {
  labResults: 'lab.results.v1',
  /** The DLQ of every intake (results and administrations): `dlq-source-topic` / `dlq-source` say whose. */
  labResultsDlq: 'lab.results.dlq.v1',
  /** Alemtuzumab (and other) administrations, dispenses and orders: `MedicationAdministration` v1 events. */
  medicationAdministrations: 'medication.administrations.v1',
} as const;

export const TOPIC_PARTITIONS: Readonly<Record<string, number>> = {
  [TOPICS.labResults]: 12,
  [TOPICS.labResultsDlq]: 4,
  [TOPICS.medicationAdministrations]: 4,
};

/** Message headers the system reads or writes. */
export const HEADERS = {
  contentType: 'content-type',
  dlqReason: 'dlq-reason',
  dlqSourceTopic: 'dlq-source-topic',
  dlqSourcePartition: 'dlq-source-partition',
  dlqSourceOffset: 'dlq-source-offset',
  dlqFailedAt: 'dlq-failed-at',
  /** Who dead-lettered a message that never reached a source topic (`ingest-gateway/mllp`, `ingest-gateway/http`, `ingest-gateway/fhir`). */
  dlqSource: 'dlq-source',
  /** When the ingest gateway received the message (ISO 8601): the `receivedAt` of the results it carries. */
  receivedAt: 'received-at',
  /**
   * The registered sender (`APPLICATION^FACILITY`) the ingest gateway authenticated the message's sender as
   * (client certificate, source address or API key): the message's identity, whatever its header says.
   */
  authenticatedSender: 'authenticated-sender',
  /** The address a refused MLLP message came from (DLQ only). */
  dlqPeer: 'dlq-peer',
} as const;

export const CONTENT_TYPES = {
  labResultJson: LAB_RESULT_CONTENT_TYPE,
  medicationAdministrationJson: MEDICATION_ADMINISTRATION_CONTENT_TYPE,
  hl7v2: 'application/hl7-v2',
} as const;
