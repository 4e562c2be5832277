import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One version of a site's overrides of a rule set; the latest version per site and indication applies. */
@Entity('rule_overrides')
export class RuleOverrideEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'site_id' }) siteId!: string;
  @Column('text') indication!: 'MS' | 'CLL';
  @Column('int') version!: number;
  @Column('jsonb') overrides!: unknown[];
  @Column('text') reason!: string;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}
