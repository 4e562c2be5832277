import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An API key of a lab or interface engine. `id` is the public half of the key; the secret is only hashed. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') sender!: string;
  @Column('text') description!: string;
  @Column('text', { name: 'secret_hash' }) secretHash!: string;
  @Column('text', { array: true, default: () => "'{integration}'" }) roles!: string[];
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @Column('uuid', { name: 'revoked_by', nullable: true }) revokedBy!: string | null;
}

/**
 * What a sender's local code means: `(sender, code_system, code)` → LOINC (or a catalogue analyte without
 * one), with the unit to assume when the lab sends none. Read by the result normaliser.
 */
@Entity('code_mappings')
export class CodeMappingEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** `APPLICATION^FACILITY`, as the events and MSH-3/MSH-4 name the sender. */
  @Column('text') sender!: string;
  @Column('text', { name: 'code_system' }) codeSystem!: string;
  @Column('text') code!: string;
  @Column('text', { nullable: true }) loinc!: string | null;
  @Column('text', { nullable: true }) analyte!: string | null;
  @Column('text', { nullable: true }) unit!: string | null;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', nullable: true }) updatedAt!: Date | null;
}
