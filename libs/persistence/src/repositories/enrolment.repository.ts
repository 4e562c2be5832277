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

@Injectable()
export class EnrolmentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every identifier of every currently enrolled patient. Enrolled patients are few; the whole map is small. */
  async loadEnrolled(): Promise<Map<string, EnrolledPatient>> {
    const rows: Array<{
      authority: string;
      identifier: string;
      patient_id: string;
      care_team_id: string;
      indication: 'MS' | 'CLL';
    }> = await this.dataSource.query(`
        SELECT i.authority, i.identifier, p.id AS patient_id, p.care_team_id, p.indication
        FROM patient_identifiers i JOIN patients p ON p.id = i.patient_id
        WHERE p.enrolment_ended_at IS NULL`);
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
}
