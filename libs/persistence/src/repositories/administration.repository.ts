import { Injectable } from '@nestjs/common';
import {
  type AdministrationRecord,
  type CourseIndication,
  type CourseRow,
  type EnrolmentLocation,
  type MedicationProduct,
} from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';
import { type RowOf, type medicationAdministrationsTable } from '../tables';

type M = Pick<EntityManager, 'query'>;

/** One administration record to keep (`medication_administrations`). */
export interface NewAdministrationRecord {
  idempotencyKey: string;
  sender: string;
  messageControlId: string;
  authority: string;
  patientIdentifier: string;
  administrationId: string;
  status: AdministrationRecord['status'];
  evidence: AdministrationRecord['evidence'];
  day: string | null;
  at: string | null;
  doseMg: number | null;
  medicationSystem: string;
  medicationCode: string;
  product: MedicationProduct;
  location: string | null;
  recordedAt: string | null;
  receivedAt: string;
}

/** One row of `medication_code_mappings`, as `mappedProduct` reads it. */
export interface MedicationCodeMapping {
  sender: string;
  system: string;
  code: string;
  product: MedicationProduct;
}

/**
 * The product a code is mapped to for the first of `senders` (its registered forms, most specific first) that
 * maps it, else the mapping for every sender (`*`); null when unmapped.
 */
export function mappedProduct(
  mappings: readonly MedicationCodeMapping[],
  senders: readonly string[],
  system: string,
  code: string,
): MedicationProduct | null {
  for (const sender of [...senders, '*']) {
    const found = mappings.find((g) => g.sender === sender && g.system === system && g.code === code);
    if (found) return found.product;
  }
  return null;
}

/** A patient an administration belongs to, with what planning needs. */
export interface AdministeredPatient {
  patientId: string;
  indication: CourseIndication;
  timeZone: string;
  enrolmentEnded: boolean;
}

type StoredRecord = Pick<
  RowOf<typeof medicationAdministrationsTable>,
  'administration_id' | 'status' | 'evidence' | 'product'
> & { day: string | null; at: Date | null; dose_mg: string | null; recorded_at: Date | null };

/**
 * The infusion record's queries (issue 18): which codes are alemtuzumab, where a sender's location enrols, the
 * administration records, and a patient's courses and their timeline. The decisions are the pure planners of
 * `@alem/clinical` (courses/infusion-record.ts, course-plan.ts), run by the processor's administration intake.
 */
@Injectable()
export class AdministrationRepository {
  /**
   * The mappings of these medication codes (one query for a batch): `sender` is a registered form of the
   * sender or `*` (every sender, e.g. RxNorm). `mappedProduct` picks among them.
   */
  async mappingsOf(
    m: M,
    codes: ReadonlyArray<{ system: string; code: string }>,
  ): Promise<MedicationCodeMapping[]> {
    if (codes.length === 0) return [];
    return queryRows<MedicationCodeMapping>(
      m,
      `SELECT DISTINCT g.sender, g.code_system AS system, g.code, g.product
       FROM unnest($1::text[], $2::text[]) AS k(system, code)
       JOIN medication_code_mappings g ON g.code_system = k.system AND g.code = k.code`,
      [codes.map((c) => c.system), codes.map((c) => c.code)],
    );
  }

  /** The product one code is mapped to for the sender (see `mappedProduct`); null when unmapped. */
  async productOf(
    m: M,
    senders: readonly string[],
    system: string,
    code: string,
  ): Promise<MedicationProduct | null> {
    return mappedProduct(await this.mappingsOf(m, [{ system, code }]), senders, system, code);
  }

  /** Keeps the records; returns the idempotency keys that were new (a redelivered record is not kept twice). */
  async keep(m: M, records: readonly NewAdministrationRecord[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const column = <K extends keyof NewAdministrationRecord>(k: K) => records.map((r) => r[k]);
    const rows = await queryRows<{ idempotency_key: string }>(
      m,
      `INSERT INTO medication_administrations (idempotency_key, sender, message_control_id, authority,
         patient_identifier, administration_id, status, evidence, day, at, dose_mg, medication_system,
         medication_code, product, location, recorded_at, received_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::date[], $10::timestamptz[], $11::numeric[], $12::text[], $13::text[], $14::text[],
         $15::text[], $16::timestamptz[], $17::timestamptz[])
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING idempotency_key`,
      [
        column('idempotencyKey'),
        column('sender'),
        column('messageControlId'),
        column('authority'),
        column('patientIdentifier'),
        column('administrationId'),
        column('status'),
        column('evidence'),
        column('day'),
        column('at'),
        column('doseMg'),
        column('medicationSystem'),
        column('medicationCode'),
        column('product'),
        column('location'),
        column('recordedAt'),
        column('receivedAt'),
      ],
    );
    return new Set(rows.map((r) => r.idempotency_key));
  }

  /**
   * The patient one of these identifiers (any registered form of the authority) belongs to, locked for the
   * transaction so that two batches never plan one patient at once; null when nobody is enrolled under it.
   * NO KEY UPDATE, not UPDATE: the scheduler's sweep holds the patient's monitoring row while its inserts check
   * their foreign keys to the patient (KEY SHARE), and rewriting the courses wakes that monitoring row; a FOR
   * UPDATE here deadlocks with it.
   */
  async lockPatient(
    m: M,
    authorities: readonly string[],
    identifier: string,
  ): Promise<AdministeredPatient | null> {
    const [row] = await queryRows<{
      patient_id: string;
      indication: CourseIndication;
      time_zone: string;
      ended: boolean;
    }>(
      m,
      `SELECT p.id AS patient_id, p.indication, s.time_zone, p.enrolment_ended_at IS NOT NULL AS ended
       FROM patient_identifiers i JOIN patients p ON p.id = i.patient_id JOIN sites s ON s.id = p.site_id
       WHERE i.identifier = $2 AND i.authority = ANY($1::text[])
       ORDER BY array_position($1::text[], i.authority) LIMIT 1
       FOR NO KEY UPDATE OF p`,
      [authorities, identifier],
    );
    return row
      ? {
          patientId: row.patient_id,
          indication: row.indication,
          timeZone: row.time_zone,
          enrolmentEnded: row.ended,
        }
      : null;
  }

  /** The most specific location mapping of the sender: its own location, else its `*` row. */
  async enrolmentLocation(
    m: M,
    senders: readonly string[],
    location: string | null,
  ): Promise<EnrolmentLocation | null> {
    const [row] = await queryRows<{
      site_id: string;
      care_team_id: string | null;
      indication: CourseIndication | null;
      location: string;
    }>(
      m,
      `SELECT site_id, care_team_id, indication, location FROM enrolment_locations
       WHERE sender = ANY($1::text[]) AND location = ANY($2::text[])
       ORDER BY (location = '*'), array_position($1::text[], sender) LIMIT 1`,
      [senders, location ? [location, '*'] : ['*']],
    );
    return row
      ? {
          siteId: row.site_id,
          careTeamId: row.care_team_id,
          indication: row.indication,
          location: row.location,
        }
      : null;
  }

  /** The sites any location of the sender maps to. */
  async senderSites(m: M, senders: readonly string[]): Promise<string[]> {
    const rows = await queryRows<{ site_id: string }>(
      m,
      `SELECT DISTINCT site_id FROM enrolment_locations WHERE sender = ANY($1::text[]) ORDER BY site_id`,
      [senders],
    );
    return rows.map((r) => r.site_id);
  }

  /** Enrols a patient first seen in the infusion record under the identifier the record names. */
  async enrol(
    m: M,
    input: {
      siteId: string;
      careTeamId: string;
      indication: CourseIndication;
      identifier: { authority: string; id: string };
      at: Date;
    },
  ): Promise<AdministeredPatient> {
    const [row] = await queryRows<{ id: string; time_zone: string }>(
      m,
      `WITH patient AS (
         INSERT INTO patients (site_id, care_team_id, indication, enrolled_at, created_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id, site_id
       ), identifier AS (
         INSERT INTO patient_identifiers (authority, identifier, patient_id) SELECT $5, $6, id FROM patient
       )
       SELECT p.id, s.time_zone FROM patient p JOIN sites s ON s.id = p.site_id`,
      [
        input.siteId,
        input.careTeamId,
        input.indication,
        input.at.toISOString(),
        input.identifier.authority,
        input.identifier.id,
      ],
    );
    return {
      patientId: row!.id,
      indication: input.indication,
      timeZone: row!.time_zone,
      enrolmentEnded: false,
    };
  }

  /** Gives the patient the records kept under any of their identifiers (some may predate the enrolment). */
  async claimRecords(m: M, patientId: string): Promise<void> {
    await m.query(
      `UPDATE medication_administrations a SET patient_id = $1
       FROM patient_identifiers i
       WHERE i.patient_id = $1 AND a.patient_id IS NULL
         AND a.patient_identifier = i.identifier AND a.authority = i.authority`,
      [patientId],
    );
  }

  /** Every record of the patient, in the order they were kept. */
  async records(m: M, patientId: string): Promise<Array<AdministrationRecord & { idempotencyKey: string }>> {
    const rows = await queryRows<StoredRecord & { idempotency_key: string }>(
      m,
      `SELECT idempotency_key, administration_id, status, evidence, to_char(day, 'YYYY-MM-DD') AS day, at, dose_mg,
              product, recorded_at
       FROM medication_administrations WHERE patient_id = $1 ORDER BY id`,
      [patientId],
    );
    return rows.map((r) => ({
      idempotencyKey: r.idempotency_key,
      administrationId: r.administration_id,
      status: r.status,
      evidence: r.evidence,
      day: r.day,
      at: r.at,
      doseMg: r.dose_mg === null ? null : Number(r.dose_mg),
      product: r.product,
      recordedAt: r.recorded_at,
    }));
  }

  async courses(m: M, patientId: string): Promise<CourseRow[]> {
    const rows = await queryRows<{
      course_number: number;
      product: string;
      days: string[];
      source: CourseRow['source'];
    }>(
      m,
      `SELECT course_number, product, source,
              ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(infusion_dates) d ORDER BY d) AS days
       FROM treatment_courses WHERE patient_id = $1 ORDER BY course_number`,
      [patientId],
    );
    return rows.map((r) => ({
      courseNumber: r.course_number,
      product: r.product,
      infusionDays: r.days,
      source: r.source,
    }));
  }

  /** Replaces the patient's courses (their trigger wakes the monitoring schedule). */
  async replaceCourses(m: M, patientId: string, rows: readonly CourseRow[], at: Date): Promise<void> {
    await m.query(`DELETE FROM treatment_courses WHERE patient_id = $1`, [patientId]);
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO treatment_courses (patient_id, course_number, product, infusion_dates, source, created_at)
       SELECT $1, c.n, c.product, ARRAY(SELECT jsonb_array_elements_text(c.days)::date), c.source, $2
       FROM jsonb_to_recordset($3::jsonb) AS c(n int, product text, days jsonb, source text)`,
      [
        patientId,
        at.toISOString(),
        JSON.stringify(
          rows.map((r) => ({
            n: r.courseNumber,
            product: r.product,
            days: r.infusionDays,
            source: r.source,
          })),
        ),
      ],
    );
  }

  /** Timeline entries of the patient's courses. */
  async addCourseEvents(
    m: M,
    patientId: string,
    events: ReadonlyArray<{ type: string; courseNumber: number | null; detail: Record<string, unknown> }>,
    at: Date,
  ): Promise<void> {
    if (events.length === 0) return;
    await m.query(
      `INSERT INTO treatment_course_events (patient_id, at, type, course_number, detail)
       SELECT $1, $2, e.type, e.course_number, e.detail
       FROM jsonb_to_recordset($3::jsonb) AS e(type text, course_number int, detail jsonb)`,
      [
        patientId,
        at.toISOString(),
        JSON.stringify(
          events.map((e) => ({ type: e.type, course_number: e.courseNumber, detail: e.detail })),
        ),
      ],
    );
  }

  /** The site's integration care team (where alerts without a patient go), if it has one. */
  async integrationTeam(m: M, siteId: string): Promise<string | null> {
    const [row] = await queryRows<{ team: string | null }>(
      m,
      `SELECT integration_care_team_id AS team FROM sites WHERE id = $1`,
      [siteId],
    );
    return row?.team ?? null;
  }
}
