import { cidrArray, table, text, textArray, timestamptz } from './table';

/**
 * A lab's registration as a sender of results: how it is authenticated, whose patients it may report for, and
 * how its messages are read.
 */
export const labSendersTable = table('lab_senders', {
  /** `APPLICATION^FACILITY`, as the events and MSH-3/MSH-4 name the sender. */
  sender: text(),
  /** IANA zone of the times its messages send without an offset. */
  time_zone: text(),
  /** Assigning authorities (patient.authority, any hierarchic-designator form) it may report for. */
  authorities: textArray().withDefault("'{}'::text[]"),
  /** SHA-256 fingerprints of its MLLP client certificates (`AB:CD:…`, upper case). */
  certificate_fingerprints: textArray().withDefault("'{}'::text[]"),
  /** Addresses (CIDR) it may connect from over MLLP without a client certificate. */
  source_addresses: cidrArray().withDefault("'{}'::cidr[]"),
  created_at: timestamptz().withDefault('now()'),
  updated_at: timestamptz().orNull(),
});
