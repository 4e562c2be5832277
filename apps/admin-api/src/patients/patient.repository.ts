import { Injectable } from '@nestjs/common';
import { patientFlags, type PatientFlags, type RuleInputResult } from '@alem/clinical';
import {
  queryRows,
  type RowOf,
  RULE_INPUT_COLUMNS,
  ruleInputFromRow,
  type treatmentCourseEventsTable,
} from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { applyPatientScope, type PatientScope } from '../common/patient-scope';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import {
  type CourseEventQueryDto,
  type CourseEventView,
  type CourseView,
  type CreateCourseDto,
  type CreatePatientDto,
  type PatientDetailView,
  type PatientQueryDto,
  type PatientView,
  type ResultQueryDto,
  type ResultView,
  type UpdateCourseDto,
} from './patient.dto';

interface PatientRow {
  id: string;
  site_id: string;
  care_team_id: string;
  indication: 'MS' | 'CLL';
  display_name: string | null;
  birth_date: string | null;
  sex: string | null;
  enrolled_at: Date;
  enrolment_ended_at: Date | null;
  identifiers: Array<{ authority: string; identifier: string }>;
  clinical_flags: Partial<PatientFlags>;
}

interface CourseRow {
  id: string;
  course_number: number;
  product: string;
  infusion_dates: string[];
  source: CourseView['source'];
  created_at: Date;
}

type CourseEventRow = Omit<RowOf<typeof treatmentCourseEventsTable>, 'patient_id'>;

const PATIENT_COLUMNS = `
  p.id, p.site_id, p.care_team_id, p.indication, p.display_name, p.birth_date::text AS birth_date, p.sex,
  p.enrolled_at, p.enrolment_ended_at, p.clinical_flags,
  coalesce((SELECT json_agg(json_build_object('authority', i.authority, 'identifier', i.identifier)
                            ORDER BY i.authority, i.identifier)
            FROM patient_identifiers i WHERE i.patient_id = p.id), '[]'::json) AS identifiers`;

function toPatient(r: PatientRow): PatientView {
  return {
    id: r.id,
    siteId: r.site_id,
    careTeamId: r.care_team_id,
    indication: r.indication,
    displayName: r.display_name,
    birthDate: r.birth_date,
    sex: r.sex,
    enrolledAt: r.enrolled_at.toISOString(),
    enrolmentEndedAt: r.enrolment_ended_at?.toISOString() ?? null,
    identifiers: r.identifiers,
    clinicalFlags: patientFlags({ flags: r.clinical_flags }),
  };
}

export function toCourse(r: CourseRow): CourseView {
  return {
    id: r.id,
    courseNumber: r.course_number,
    product: r.product,
    infusionDays: r.infusion_dates,
    source: r.source,
    createdAt: r.created_at.toISOString(),
  };
}

export const COURSE_COLUMNS = `id, course_number, product, infusion_dates::text[] AS infusion_dates, source, created_at`;

/** A stored result's review hold and release (`results.review_hold`, `released_at/_by/_reason`). */
export interface ResultReleaseState {
  reviewHold: string | null;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

/** The hold of a result locked for its release, and whether it is still the lab's current word. */
export interface LockedResult extends ResultReleaseState {
  current: boolean;
}

/** Patient queries, each restricted to the caller's patient scope in its SQL. */
@Injectable()
export class PatientRepository {
  async list(
    m: EntityManager,
    scope: PatientScope,
    query: PatientQueryDto,
    limit: number,
  ): Promise<{ items: PatientView[]; total: number }> {
    const sql = new SqlBuilder();
    applyPatientScope(sql, scope, 'p.care_team_id');
    sql.whereEquals('p.care_team_id', query.careTeamId).whereEquals('p.indication', query.indication);
    if (query.enrolled === 'true') sql.where('p.enrolment_ended_at IS NULL');
    if (query.enrolled === 'false') sql.where('p.enrolment_ended_at IS NOT NULL');
    if (query.identifier || query.authority) {
      const conditions = [
        query.identifier ? `i.identifier = ${sql.p(query.identifier)}` : null,
        query.authority ? `i.authority = ${sql.p(query.authority)}` : null,
      ].filter(Boolean);
      sql.where(
        `EXISTS (SELECT 1 FROM patient_identifiers i WHERE i.patient_id = p.id AND ${conditions.join(' AND ')})`,
      );
    }
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total FROM patients p ${sql.whereSql()}`,
      sql.params,
    );
    const rows: PatientRow[] = await m.query(
      `SELECT ${PATIENT_COLUMNS} FROM patients p ${sql.whereSql()}
       ORDER BY p.enrolled_at DESC, p.id LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toPatient), total };
  }

  /** The patient with identifiers and courses, or null when absent or outside the scope. */
  async find(
    m: EntityManager,
    scope: PatientScope,
    id: string,
    lock = false,
  ): Promise<PatientDetailView | null> {
    const sql = new SqlBuilder();
    sql.where(`p.id = ${sql.p(id)}`);
    applyPatientScope(sql, scope, 'p.care_team_id');
    const rows: PatientRow[] = await m.query(
      `SELECT ${PATIENT_COLUMNS} FROM patients p ${sql.whereSql()}${lock ? ' FOR UPDATE OF p' : ''}`,
      sql.params,
    );
    if (!rows[0]) return null;
    const courses: CourseRow[] = await m.query(
      `SELECT ${COURSE_COLUMNS} FROM treatment_courses WHERE patient_id = $1 ORDER BY course_number`,
      [id],
    );
    return { ...toPatient(rows[0]), courses: courses.map(toCourse) };
  }

  /** The patient's course timeline (`treatment_course_events`), newest first. */
  async courseEvents(
    m: EntityManager,
    patientId: string,
    query: CourseEventQueryDto,
    limit: number,
  ): Promise<{ items: CourseEventView[]; total: number }> {
    const sql = new SqlBuilder();
    sql.where(`patient_id = ${sql.p(patientId)}`).whereEquals('course_number', query.courseNumber);
    const { total, rows } = await countAndRows<CourseEventRow>(
      m,
      sql,
      `SELECT count(*)::int AS total FROM treatment_course_events ${sql.whereSql()}`,
      () =>
        `SELECT id::text, at, type, course_number, detail FROM treatment_course_events ${sql.whereSql()}
         ORDER BY at DESC, id DESC LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        type: r.type,
        courseNumber: r.course_number,
        detail: r.detail,
      })),
    };
  }

  async results(
    m: EntityManager,
    patientId: string,
    query: ResultQueryDto,
    limit: number,
  ): Promise<{ items: ResultView[]; total: number }> {
    const sql = new SqlBuilder();
    sql.where(`patient_id = ${sql.p(patientId)}`).whereEquals('analyte', query.analyte);
    if (query.held === 'true') sql.where('review_hold IS NOT NULL AND released_at IS NULL');
    if (query.held === 'false') sql.where('(review_hold IS NULL OR released_at IS NOT NULL)');
    if (query.from) sql.where(`observed_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`observed_at < ${sql.p(query.to)}`);
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total FROM results ${sql.whereSql()}`,
      sql.params,
    );
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT id::text, observed_at, received_at, sender, code, code_system, loinc, analyte, value_type, value_original,
              unit_original, value::float8 AS value, unit, range_low::float8 AS range_low, range_high::float8 AS range_high,
              abnormal_flags, status, quality, retracted_at, superseded_by::text, review_hold, released_at,
              released_by, release_reason
       FROM results ${sql.whereSql()} ORDER BY results.observed_at DESC, results.id DESC
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return {
      total,
      items: rows.map((r) => ({
        id: r.id as string,
        observedAt: (r.observed_at as Date).toISOString(),
        receivedAt: (r.received_at as Date).toISOString(),
        sender: r.sender as string,
        code: r.code as string,
        codeSystem: r.code_system as string,
        loinc: r.loinc as string | null,
        analyte: r.analyte as string | null,
        valueType: r.value_type as string,
        valueOriginal: r.value_original as string | null,
        unitOriginal: r.unit_original as string | null,
        value: r.value as number | null,
        unit: r.unit as string | null,
        rangeLow: r.range_low as number | null,
        rangeHigh: r.range_high as number | null,
        abnormalFlags: r.abnormal_flags as string | null,
        status: r.status as string,
        quality: r.quality as string,
        retractedAt: (r.retracted_at as Date | null)?.toISOString() ?? null,
        supersededBy: r.superseded_by as string | null,
        reviewHold: r.review_hold as string | null,
        releasedAt: (r.released_at as Date | null)?.toISOString() ?? null,
        releasedBy: r.released_by as string | null,
        releaseReason: r.release_reason as string | null,
      })),
    };
  }

  /** The patient's result, locked until the transaction ends (two releases queue here), or null. */
  async lockResult(m: EntityManager, patientId: string, resultId: string): Promise<LockedResult | null> {
    const [row] = await queryRows<{
      review_hold: string | null;
      released_at: Date | null;
      released_by: string | null;
      release_reason: string | null;
      current: boolean;
    }>(
      m,
      `SELECT review_hold, released_at, released_by, release_reason,
              superseded_by IS NULL AND retracted_at IS NULL AS current
       FROM results WHERE id = $1 AND patient_id = $2 FOR UPDATE`,
      [resultId, patientId],
    );
    if (!row) return null;
    return {
      reviewHold: row.review_hold,
      releasedAt: row.released_at?.toISOString() ?? null,
      releasedBy: row.released_by,
      releaseReason: row.release_reason,
      current: row.current,
    };
  }

  /** Records a reviewer's release of a held result; returns the result as the rule engine reads it (`released`). */
  async releaseResult(
    m: EntityManager,
    resultId: string,
    release: { by: string; reason: string; at: Date },
  ): Promise<RuleInputResult> {
    const [row] = await queryRows<Parameters<typeof ruleInputFromRow>[0]>(
      m,
      `UPDATE results r SET released_at = $2, released_by = $3, release_reason = $4
       WHERE r.id = $1 RETURNING ${RULE_INPUT_COLUMNS}`,
      [resultId, release.at.toISOString(), release.by, release.reason],
    );
    return ruleInputFromRow(row!);
  }

  /** The alerts of these rules (those that hold a result for review) whose occurrence is the result. */
  async reviewAlertIds(m: EntityManager, resultId: string, ruleIds: readonly string[]): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      m,
      `SELECT DISTINCT a.id FROM alerts a JOIN alert_occurrences o ON o.alert_id = a.id
       WHERE o.result_id = $1 AND o.retracted_at IS NULL AND a.rule_id = ANY($2::text[])
       ORDER BY a.id`,
      [resultId, ruleIds],
    );
    return rows.map((r) => r.id);
  }

  /** Enrols the patient with its identifiers; returns its id. */
  async insert(
    m: EntityManager,
    input: Omit<CreatePatientDto, 'courses'>,
    enrolledAt: Date,
  ): Promise<string> {
    const [{ id }]: Array<{ id: string }> = await m.query(
      `INSERT INTO patients (site_id, care_team_id, indication, display_name, birth_date, sex, enrolled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        input.siteId,
        input.careTeamId,
        input.indication,
        input.displayName ?? null,
        input.birthDate ?? null,
        input.sex ?? null,
        enrolledAt.toISOString(),
      ],
    );
    await m.query(
      `INSERT INTO patient_identifiers (authority, identifier, patient_id)
         SELECT authority, identifier, $3 FROM unnest($1::text[], $2::text[]) AS t(authority, identifier)`,
      [input.identifiers.map((i) => i.authority), input.identifiers.map((i) => i.identifier), id],
    );
    return id;
  }

  /** Sets the columns given (`column = value`; the names are the caller's, never a client's). */
  async update(
    m: EntityManager,
    id: string,
    columns: ReadonlyArray<[column: string, value: unknown]>,
  ): Promise<void> {
    const set: string[] = [];
    const params: unknown[] = [id];
    for (const [column, value] of columns) {
      params.push(value);
      set.push(`${column} = $${params.length}`);
    }
    await m.query(`UPDATE patients SET ${set.join(', ')} WHERE id = $1`, params);
  }

  async setClinicalFlags(m: EntityManager, id: string, flags: PatientFlags): Promise<void> {
    await m.query(`UPDATE patients SET clinical_flags = $2 WHERE id = $1`, [id, JSON.stringify(flags)]);
  }

  async addIdentifier(
    m: EntityManager,
    id: string,
    input: { authority: string; identifier: string },
  ): Promise<void> {
    await m.query(`INSERT INTO patient_identifiers (authority, identifier, patient_id) VALUES ($1, $2, $3)`, [
      input.authority,
      input.identifier,
      id,
    ]);
  }

  async removeIdentifier(
    m: EntityManager,
    id: string,
    input: { authority: string; identifier: string },
  ): Promise<void> {
    await m.query(
      `DELETE FROM patient_identifiers WHERE authority = $1 AND identifier = $2 AND patient_id = $3`,
      [input.authority, input.identifier, id],
    );
  }

  /** Whether any of these identifiers is assigned to a patient. */
  async identifiersTaken(
    m: EntityManager,
    identifiers: ReadonlyArray<{ authority: string; identifier: string }>,
  ): Promise<boolean> {
    const taken: unknown[] = await m.query(
      `SELECT 1 FROM patient_identifiers i
       JOIN unnest($1::text[], $2::text[]) AS t(authority, identifier)
         ON i.authority = t.authority AND i.identifier = t.identifier`,
      [identifiers.map((i) => i.authority), identifiers.map((i) => i.identifier)],
    );
    return taken.length > 0;
  }

  async insertCourse(
    m: EntityManager,
    patientId: string,
    course: CreateCourseDto,
    at: Date,
  ): Promise<CourseView> {
    const [row] = await m.query(
      // Entered by a person: the processor keeps it as entered until the infusion record replaces it.
      `INSERT INTO treatment_courses (patient_id, course_number, product, infusion_dates, source, created_at)
       VALUES ($1, $2, $3, $4::date[], 'manual', $5) RETURNING ${COURSE_COLUMNS}`,
      [patientId, course.courseNumber, course.product, [...course.infusionDays].sort(), at.toISOString()],
    );
    return toCourse(row);
  }

  /** The patient's course, locked for update, or null. */
  async lockCourse(m: EntityManager, patientId: string, courseId: string): Promise<CourseView | null> {
    const rows = await m.query(
      `SELECT ${COURSE_COLUMNS} FROM treatment_courses WHERE id = $1 AND patient_id = $2 FOR UPDATE`,
      [courseId, patientId],
    );
    return rows[0] ? toCourse(rows[0]) : null;
  }

  async updateCourse(
    m: EntityManager,
    patientId: string,
    courseId: string,
    input: UpdateCourseDto,
  ): Promise<CourseView> {
    const [row] = await queryRows<CourseRow>(
      m,
      `UPDATE treatment_courses SET product = coalesce($3, product), infusion_dates = coalesce($4::date[], infusion_dates)
         WHERE id = $1 AND patient_id = $2 RETURNING ${COURSE_COLUMNS}`,
      [
        courseId,
        patientId,
        input.product ?? null,
        input.infusionDays ? [...input.infusionDays].sort() : null,
      ],
    );
    return toCourse(row!);
  }

  async deleteCourse(m: EntityManager, patientId: string, courseId: string): Promise<void> {
    await m.query(`DELETE FROM treatment_courses WHERE id = $1 AND patient_id = $2`, [courseId, patientId]);
  }
}
