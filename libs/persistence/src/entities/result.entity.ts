import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { numericTransformer } from './numeric.transformer';

@Entity('results')
export class ResultEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'idempotency_key' }) idempotencyKey!: string;
  @Column('text', { name: 'observation_key' }) observationKey!: string;
  @Column('uuid', { name: 'patient_id' }) patientId!: string;
  @Column('text') sender!: string;
  @Column('text', { name: 'message_control_id' }) messageControlId!: string;
  @Column('text') code!: string;
  @Column('text', { name: 'code_system' }) codeSystem!: string;
  @Column('text', { nullable: true }) loinc!: string | null;
  @Column('text', { nullable: true }) analyte!: string | null;
  @Column('text', { name: 'value_type' }) valueType!: string;
  @Column('text', { name: 'value_original', nullable: true }) valueOriginal!: string | null;
  @Column('text', { name: 'unit_original', nullable: true }) unitOriginal!: string | null;
  @Column('text', { name: 'range_original', nullable: true }) rangeOriginal!: string | null;
  @Column('text', { nullable: true }) comparator!: string | null;
  @Column('numeric', { nullable: true, transformer: numericTransformer }) value!: number | null;
  @Column('text', { nullable: true }) unit!: string | null;
  @Column('numeric', { nullable: true, transformer: numericTransformer }) ordinal!: number | null;
  @Column('numeric', { name: 'range_low', nullable: true, transformer: numericTransformer }) rangeLow!:
    number | null;
  @Column('numeric', { name: 'range_high', nullable: true, transformer: numericTransformer }) rangeHigh!:
    number | null;
  @Column('text', { name: 'range_source', default: 'none' }) rangeSource!: string;
  @Column('text', { nullable: true }) basis!: string | null;
  @Column('text', { name: 'abnormal_flags', nullable: true }) abnormalFlags!: string | null;
  @Column('text') status!: string;
  @Column('text') quality!: string;
  @Column('text', { name: 'quality_reason', nullable: true }) qualityReason!: string | null;
  @Column('timestamptz', { name: 'observed_at' }) observedAt!: Date;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  @Column('timestamptz', { name: 'stored_at', default: () => 'now()' }) storedAt!: Date;
  @Column('bigint', { name: 'superseded_by', nullable: true }) supersededBy!: string | null;
  @Column('timestamptz', { name: 'retracted_at', nullable: true }) retractedAt!: Date | null;
  @Column('text', { name: 'source_topic', nullable: true }) sourceTopic!: string | null;
  @Column('int', { name: 'source_partition', nullable: true }) sourcePartition!: number | null;
  @Column('bigint', { name: 'source_offset', nullable: true }) sourceOffset!: string | null;
  /** The HL7 message this result came from (JSON events are stored as their columns). */
  @Column('bigint', { name: 'source_message_id', nullable: true }) sourceMessageId!: string | null;
  /** The normaliser's flags, comma-separated (e.g. `d-dimer-basis-unknown`). */
  @Column('text', { name: 'quality_flags', nullable: true }) qualityFlags!: string | null;
  /** The UCUM code the value was reported in (thresholds written in that unit system are judged in it). */
  @Column('text', { name: 'reported_unit', nullable: true }) reportedUnit!: string | null;
  /** The order (OBR-2/3): with the collection time, the specimen. */
  @Column('text', { name: 'order_id', nullable: true }) orderId!: string | null;
  /** A derived count's inputs (same specimen) and how it was computed. */
  @Column('bigint', { name: 'derived_from', array: true, nullable: true }) derivedFrom!: string[] | null;
  @Column('text', { nullable: true }) derivation!: string | null;
  /** Why a data-quality rule holds the result from grading, and who released it. */
  @Column('text', { name: 'review_hold', nullable: true }) reviewHold!: string | null;
  @Column('timestamptz', { name: 'released_at', nullable: true }) releasedAt!: Date | null;
  @Column('uuid', { name: 'released_by', nullable: true }) releasedBy!: string | null;
  @Column('text', { name: 'release_reason', nullable: true }) releaseReason!: string | null;
}

/** An original HL7 v2 message behind results that were kept. */
@Entity('source_messages')
export class SourceMessageEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text') sender!: string;
  @Column('text', { name: 'message_control_id' }) messageControlId!: string;
  @Column('text', { name: 'content_type' }) contentType!: string;
  @Column('text') body!: string;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  @Column('text', { name: 'source_topic', nullable: true }) sourceTopic!: string | null;
  @Column('int', { name: 'source_partition', nullable: true }) sourcePartition!: number | null;
  @Column('bigint', { name: 'source_offset', nullable: true }) sourceOffset!: string | null;
}
