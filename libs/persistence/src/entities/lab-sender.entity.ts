import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A lab's registration as a sender of results: how it is authenticated, whose patients it may report for, and
 * how its messages are read.
 */
@Entity('lab_senders')
export class LabSenderEntity {
  /** `APPLICATION^FACILITY`, as the events and MSH-3/MSH-4 name the sender. */
  @PrimaryColumn('text') sender!: string;
  /** IANA zone of the times its messages send without an offset. */
  @Column('text', { name: 'time_zone' }) timeZone!: string;
  /** Assigning authorities (patient.authority, any hierarchic-designator form) it may report for. */
  @Column('text', { array: true, default: () => "'{}'" }) authorities!: string[];
  /** SHA-256 fingerprints of its MLLP client certificates (`AB:CD:…`, upper case). */
  @Column('text', { name: 'certificate_fingerprints', array: true, default: () => "'{}'" })
  certificateFingerprints!: string[];
  /** Addresses (CIDR) it may connect from over MLLP without a client certificate. */
  @Column('cidr', { name: 'source_addresses', array: true, default: () => "'{}'" })
  sourceAddresses!: string[];
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', nullable: true }) updatedAt!: Date | null;
}
