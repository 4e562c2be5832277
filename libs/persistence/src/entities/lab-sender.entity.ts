import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A lab's registration as a sender of results: how its messages are read. Its certificates, address allow-list
 * and assigning-authority bindings are to join it.
 */
@Entity('lab_senders')
export class LabSenderEntity {
  /** `APPLICATION^FACILITY`, as the events and MSH-3/MSH-4 name the sender. */
  @PrimaryColumn('text') sender!: string;
  /** IANA zone of the times its messages send without an offset. */
  @Column('text', { name: 'time_zone' }) timeZone!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', nullable: true }) updatedAt!: Date | null;
}
