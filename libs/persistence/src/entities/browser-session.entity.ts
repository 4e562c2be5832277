import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A console sign-in: the hashes of the cookie's secret and of the CSRF token, and when the session ends. */
@Entity('browser_sessions')
@Index('browser_sessions_user', ['userId'], { where: 'ended_at IS NULL' })
export class BrowserSessionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('bytea', { name: 'secret_hash', unique: true }) secretHash!: Buffer;
  @Column('bytea', { name: 'csrf_hash' }) csrfHash!: Buffer;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
  @Column('timestamptz', { name: 'idle_expires_at' }) idleExpiresAt!: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'ended_at', nullable: true }) endedAt!: Date | null;
  @Column('text', { name: 'end_reason', nullable: true }) endReason!: string | null;
}
