import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface EnrolledPatient {
  patientId: string;
  careTeamId: string;
  indication: 'MS' | 'CLL';
}

/** `<authority>|<identifier>`: the same form as the Kafka key of lab-result events. */
export function patientKey(authority: string, identifier: string): string {
  return `${authority}|${identifier}`;
}

interface EnrolledRow {
  authority: string;
  identifier: string;
  patient_id: string;
  care_team_id: string;
  indication: 'MS' | 'CLL';
}

@Injectable()
export class EnrolmentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every identifier of every currently enrolled patient. Enrolled patients are few; the whole map is small. */
  async loadEnrolled(): Promise<Map<string, EnrolledPatient>> {
    const rows: EnrolledRow[] = await this.dataSource.query(`
        SELECT i.authority, i.identifier, p.id AS patient_id, p.care_team_id, p.indication
        FROM patient_identifiers i JOIN patients p ON p.id = i.patient_id
        WHERE p.enrolment_ended_at IS NULL`);
    return byPatientKey(rows);
  }

  /**
   * Which of these identifiers belong to a currently enrolled patient, in one query (a batch's worth of
   * identifiers, each matched on the primary key); keyed by {@link patientKey} like {@link loadEnrolled}.
   */
  async findEnrolled(
    identifiers: ReadonlyArray<{ authority: string; identifier: string }>,
  ): Promise<Map<string, EnrolledPatient>> {
    if (identifiers.length === 0) return new Map();
    const rows: EnrolledRow[] = await this.dataSource.query(
      `SELECT i.authority, i.identifier, p.id AS patient_id, p.care_team_id, p.indication
       FROM unnest($1::text[], $2::text[]) AS k(authority, identifier)
       JOIN patient_identifiers i ON i.authority = k.authority AND i.identifier = k.identifier
       JOIN patients p ON p.id = i.patient_id
       WHERE p.enrolment_ended_at IS NULL`,
      [identifiers.map((i) => i.authority), identifiers.map((i) => i.identifier)],
    );
    return byPatientKey(rows);
  }
}

function byPatientKey(rows: readonly EnrolledRow[]): Map<string, EnrolledPatient> {
  const map = new Map<string, EnrolledPatient>();
  for (const r of rows) {
    map.set(patientKey(r.authority, r.identifier), {
      patientId: r.patient_id,
      careTeamId: r.care_team_id,
      indication: r.indication,
    });
  }
  return map;
}
