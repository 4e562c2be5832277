import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@Entity('patients')
export class PatientEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { name: 'site_id' }) siteId!: string;
  @Column('uuid', { name: 'care_team_id' }) careTeamId!: string;
  @Column('text') indication!: 'MS' | 'CLL';
  /** Shown to authenticated users on their own patients only; never in messages or logs. */
  @Column('text', { name: 'display_name', nullable: true }) displayName!: string | null;
  @Column('date', { name: 'birth_date', nullable: true }) birthDate!: string | null;
  @Column('text', { nullable: true }) sex!: 'female' | 'male' | 'other' | 'unknown' | null;
  /** Facts that change how a value is read: { pregnant, knownHaemophilia, bleedingEventRecorded, onHeparin }. */
  @Column('jsonb', { name: 'clinical_flags', default: () => "'{}'" }) clinicalFlags!: Record<string, boolean>;
  @Column('timestamptz', { name: 'enrolled_at', default: () => 'now()' }) enrolledAt!: Date;
  @Column('timestamptz', { name: 'enrolment_ended_at', nullable: true }) enrolmentEndedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('patient_identifiers')
export class PatientIdentifierEntity {
  @PrimaryColumn('text') authority!: string;
  @PrimaryColumn('text') identifier!: string;
  @Column('uuid', { name: 'patient_id' }) patientId!: string;
}

@Entity('treatment_courses')
export class TreatmentCourseEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'patient_id' }) patientId!: string;
  @Column('int', { name: 'course_number' }) courseNumber!: number;
  @Column('text', { default: 'lemtrada' }) product!: string;
  /** Calendar days of the infusions (YYYY-MM-DD). */
  @Column('date', { name: 'infusion_dates', array: true }) infusionDates!: string[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
