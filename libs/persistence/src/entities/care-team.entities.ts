import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@Entity('sites')
export class SiteEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'time_zone', default: 'UTC' }) timeZone!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  /** The integration owners of the site's lab interfaces: where FEED-QUIET alerts go (monitoring). */
  @Column('uuid', { name: 'integration_care_team_id', nullable: true }) integrationCareTeamId!: string | null;
}

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) email!: string;
  @Column('text', { name: 'display_name' }) displayName!: string;
  @Column('text', { array: true, default: () => "'{}'" }) roles!: string[];
  @Column('text', { name: 'password_hash', nullable: true }) passwordHash!: string | null;
  @Column('boolean', { default: true }) active!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('care_teams')
export class CareTeamEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { name: 'site_id' }) siteId!: string;
  @Column('text') name!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('care_team_members')
export class CareTeamMemberEntity {
  @PrimaryColumn('uuid', { name: 'care_team_id' }) careTeamId!: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId!: string;
  @Column('text') role!: string;
  /** Holds the team's first escalation tier now (nobody on duty: the whole team is tier 1). */
  @Column('boolean', { name: 'on_duty', default: false }) onDuty!: boolean;
}

@Entity('contact_points')
export class ContactPointEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('text') channel!: 'email' | 'sms';
  @Column('text') address!: string;
  @Column('timestamptz', { name: 'verified_at', nullable: true }) verifiedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
