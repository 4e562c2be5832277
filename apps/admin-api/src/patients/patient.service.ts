import { Injectable } from '@nestjs/common';
import { patientFlags } from '@alem/clinical';
import { AuditRepository, type AuditEntry, queryRows } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { type CsvColumn } from '../common/csv';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { patientScopeOf } from '../common/patient-scope';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import {
  type AddIdentifierDto,
  type ClinicalFlagsInputDto,
  type ClinicalFlagsView,
  type CourseView,
  type CreateCourseDto,
  type CreatePatientDto,
  type IdentifierQueryDto,
  type PatientDetailView,
  type PatientQueryDto,
  type PatientView,
  type ResultQueryDto,
  type ResultView,
  type UpdateCourseDto,
  type UpdatePatientDto,
} from './patient.dto';
import { COURSE_COLUMNS, PatientRepository, toCourse } from './patient.repository';

export const RESULT_CSV_COLUMNS: CsvColumn<ResultView>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'observed_at', value: (r) => r.observedAt },
  { header: 'received_at', value: (r) => r.receivedAt },
  { header: 'sender', value: (r) => r.sender },
  { header: 'code_system', value: (r) => r.codeSystem },
  { header: 'code', value: (r) => r.code },
  { header: 'loinc', value: (r) => r.loinc },
  { header: 'analyte', value: (r) => r.analyte },
  { header: 'value_original', value: (r) => r.valueOriginal },
  { header: 'unit_original', value: (r) => r.unitOriginal },
  { header: 'value', value: (r) => r.value },
  { header: 'unit', value: (r) => r.unit },
  { header: 'range_low', value: (r) => r.rangeLow },
  { header: 'range_high', value: (r) => r.rangeHigh },
  { header: 'abnormal_flags', value: (r) => r.abnormalFlags },
  { header: 'status', value: (r) => r.status },
  { header: 'quality', value: (r) => r.quality },
  { header: 'review_hold', value: (r) => r.reviewHold },
  { header: 'released_at', value: (r) => r.releasedAt },
  { header: 'released_by', value: (r) => r.releasedBy },
  { header: 'release_reason', value: (r) => r.releaseReason },
];

/**
 * Patients and their enrolment: identifiers (with assigning authority), indication, demographics, care team
 * and treatment courses. Every read by a person and every change is audited in the same transaction, changes
 * with their before and after.
 */
@Injectable()
export class PatientService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly patients: PatientRepository,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), ...entry };
  }

  async list(actor: RequestActor, query: PatientQueryDto, format: ListFormat): Promise<Page<PatientView>> {
    const limit = pageLimit(query, format);
    return this.dataSource.transaction(async (m) => {
      const page = await this.patients.list(m, patientScopeOf(actor), query, limit);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'patient.list',
          entityType: 'patient',
          dataCategory: 'patient-demographics',
          detail: {
            filters: { ...query, limit },
            total: page.total,
            patientIds: page.items.map((p) => p.id),
          },
        }),
      ]);
      return { ...page, limit, offset: query.offset };
    });
  }

  async get(actor: RequestActor, id: string): Promise<PatientDetailView> {
    return this.dataSource.transaction(async (m) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id);
      if (!patient) throw new NotFoundError('Patient');
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'patient.read',
          entityType: 'patient',
          entityId: id,
          patientId: id,
          dataCategory: 'patient-demographics',
        }),
      ]);
      return patient;
    });
  }

  async create(actor: RequestActor, input: CreatePatientDto): Promise<PatientDetailView> {
    return this.dataSource.transaction(async (m) => {
      await this.assertTeamInSite(m, input.careTeamId, input.siteId);
      await this.assertIdentifiersFree(m, input.identifiers);
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
          this.clock.now().toISOString(),
        ],
      );
      await m.query(
        `INSERT INTO patient_identifiers (authority, identifier, patient_id)
         SELECT authority, identifier, $3 FROM unnest($1::text[], $2::text[]) AS t(authority, identifier)`,
        [input.identifiers.map((i) => i.authority), input.identifiers.map((i) => i.identifier), id],
      );
      for (const course of input.courses) await this.insertCourse(m, id, course);
      const after = (await this.patients.find(m, { kind: 'all' }, id))!;
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'patient.create',
          entityType: 'patient',
          entityId: id,
          patientId: id,
          dataCategory: 'patient-demographics',
          detail: { before: null, after },
        }),
      ]);
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdatePatientDto): Promise<PatientDetailView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lockPatient(m, id);
      if (input.careTeamId) await this.assertTeamInSite(m, input.careTeamId, before.siteId);
      const set: string[] = [];
      const params: unknown[] = [id];
      const assign = (column: string, value: unknown) => {
        params.push(value);
        set.push(`${column} = $${params.length}`);
      };
      if (input.careTeamId !== undefined) assign('care_team_id', input.careTeamId);
      if (input.indication !== undefined) assign('indication', input.indication);
      if (input.displayName !== undefined) assign('display_name', input.displayName);
      if (input.birthDate !== undefined) assign('birth_date', input.birthDate);
      if (input.sex !== undefined) assign('sex', input.sex);
      if (input.enrolmentEndedAt !== undefined) assign('enrolment_ended_at', input.enrolmentEndedAt);
      await m.query(`UPDATE patients SET ${set.join(', ')} WHERE id = $1`, params);
      const after = (await this.patients.find(m, { kind: 'all' }, id))!;
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'patient.update',
          entityType: 'patient',
          entityId: id,
          patientId: id,
          dataCategory: 'patient-demographics',
          detail: { before, after },
        }),
      ]);
      return after;
    });
  }

  /**
   * Sets clinical flags (the others keep their value): the rule engine reads them with the next result of the
   * patient (pregnant → TSH-3, bleeding and heparin → COAG-1, known haemophilia → COAG-2). The patient's care
   * team may set them (within the caller's patient scope); audited with before and after.
   */
  async setClinicalFlags(
    actor: RequestActor,
    id: string,
    input: ClinicalFlagsInputDto,
  ): Promise<ClinicalFlagsView> {
    return this.dataSource.transaction(async (m) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id, true);
      if (!patient) throw new NotFoundError('Patient');
      const before = patient.clinicalFlags;
      const after = patientFlags({ flags: { ...before, ...input } });
      await m.query(`UPDATE patients SET clinical_flags = $2 WHERE id = $1`, [id, JSON.stringify(after)]);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'patient.clinical-flags.update',
          entityType: 'patient',
          entityId: id,
          patientId: id,
          dataCategory: 'treatment',
          detail: { before, after },
        }),
      ]);
      return after;
    });
  }

  async addIdentifier(actor: RequestActor, id: string, input: AddIdentifierDto): Promise<PatientDetailView> {
    return this.changeIdentifiers(actor, id, 'patient.identifier.add', async (m) => {
      await this.assertIdentifiersFree(m, [input]);
      await m.query(
        `INSERT INTO patient_identifiers (authority, identifier, patient_id) VALUES ($1, $2, $3)`,
        [input.authority, input.identifier, id],
      );
    });
  }

  async removeIdentifier(
    actor: RequestActor,
    id: string,
    input: IdentifierQueryDto,
  ): Promise<PatientDetailView> {
    return this.changeIdentifiers(actor, id, 'patient.identifier.remove', async (m, before) => {
      const held = before.identifiers.some(
        (i) => i.authority === input.authority && i.identifier === input.identifier,
      );
      if (!held) throw new NotFoundError('Identifier');
      if (before.identifiers.length === 1) {
        throw new ConflictError('A patient keeps at least one identifier; add the new one first');
      }
      await m.query(
        `DELETE FROM patient_identifiers WHERE authority = $1 AND identifier = $2 AND patient_id = $3`,
        [input.authority, input.identifier, id],
      );
    });
  }

  async courses(actor: RequestActor, id: string): Promise<{ items: CourseView[] }> {
    return this.dataSource.transaction(async (m) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id);
      if (!patient) throw new NotFoundError('Patient');
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'course.list',
          entityType: 'patient',
          entityId: id,
          patientId: id,
          dataCategory: 'treatment',
        }),
      ]);
      return { items: patient.courses };
    });
  }

  async createCourse(actor: RequestActor, id: string, input: CreateCourseDto): Promise<CourseView> {
    return this.dataSource.transaction(async (m) => {
      const patient = await this.lockPatient(m, id);
      if (patient.courses.some((c) => c.courseNumber === input.courseNumber)) {
        throw new ConflictError(`Course ${input.courseNumber} already exists for this patient`);
      }
      const course = await this.insertCourse(m, id, input);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'course.create',
          entityType: 'treatment-course',
          entityId: course.id,
          patientId: id,
          dataCategory: 'treatment',
          detail: { before: null, after: course },
        }),
      ]);
      return course;
    });
  }

  async updateCourse(
    actor: RequestActor,
    id: string,
    courseId: string,
    input: UpdateCourseDto,
  ): Promise<CourseView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lockCourse(m, id, courseId);
      const [row] = await queryRows<Parameters<typeof toCourse>[0]>(
        m,
        `UPDATE treatment_courses SET product = coalesce($3, product), infusion_dates = coalesce($4::date[], infusion_dates)
         WHERE id = $1 AND patient_id = $2 RETURNING ${COURSE_COLUMNS}`,
        [courseId, id, input.product ?? null, input.infusionDays ? [...input.infusionDays].sort() : null],
      );
      const after = toCourse(row);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'course.update',
          entityType: 'treatment-course',
          entityId: courseId,
          patientId: id,
          dataCategory: 'treatment',
          detail: { before, after },
        }),
      ]);
      return after;
    });
  }

  async deleteCourse(actor: RequestActor, id: string, courseId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const before = await this.lockCourse(m, id, courseId);
      await m.query(`DELETE FROM treatment_courses WHERE id = $1 AND patient_id = $2`, [courseId, id]);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'course.delete',
          entityType: 'treatment-course',
          entityId: courseId,
          patientId: id,
          dataCategory: 'treatment',
          detail: { before, after: null },
        }),
      ]);
    });
  }

  async results(
    actor: RequestActor,
    id: string,
    query: ResultQueryDto,
    format: ListFormat,
  ): Promise<Page<ResultView>> {
    const limit = pageLimit(query, format);
    return this.dataSource.transaction(async (m) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id);
      if (!patient) throw new NotFoundError('Patient');
      const page = await this.patients.results(m, id, query, limit);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'result.list',
          entityType: 'patient',
          entityId: id,
          patientId: id,
          dataCategory: 'lab-results',
          detail: { filters: { ...query, limit }, resultIds: page.items.map((r) => r.id), total: page.total },
        }),
      ]);
      return { ...page, limit, offset: query.offset };
    });
  }

  private async changeIdentifiers(
    actor: RequestActor,
    id: string,
    action: string,
    change: (m: EntityManager, before: PatientDetailView) => Promise<void>,
  ): Promise<PatientDetailView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lockPatient(m, id);
      await change(m, before);
      const after = (await this.patients.find(m, { kind: 'all' }, id))!;
      await this.audit.append(m, [
        this.entry(actor, {
          action,
          entityType: 'patient',
          entityId: id,
          patientId: id,
          dataCategory: 'patient-demographics',
          detail: { before: { identifiers: before.identifiers }, after: { identifiers: after.identifiers } },
        }),
      ]);
      return after;
    });
  }

  private async insertCourse(
    m: EntityManager,
    patientId: string,
    course: CreateCourseDto,
  ): Promise<CourseView> {
    const [row] = await m.query(
      `INSERT INTO treatment_courses (patient_id, course_number, product, infusion_dates, created_at)
       VALUES ($1, $2, $3, $4::date[], $5) RETURNING ${COURSE_COLUMNS}`,
      [
        patientId,
        course.courseNumber,
        course.product,
        [...course.infusionDays].sort(),
        this.clock.now().toISOString(),
      ],
    );
    return toCourse(row);
  }

  private async lockPatient(m: EntityManager, id: string): Promise<PatientDetailView> {
    const patient = await this.patients.find(m, { kind: 'all' }, id, true);
    if (!patient) throw new NotFoundError('Patient');
    return patient;
  }

  private async lockCourse(m: EntityManager, patientId: string, courseId: string): Promise<CourseView> {
    const rows = await m.query(
      `SELECT ${COURSE_COLUMNS} FROM treatment_courses WHERE id = $1 AND patient_id = $2 FOR UPDATE`,
      [courseId, patientId],
    );
    if (!rows[0]) throw new NotFoundError('Treatment course');
    return toCourse(rows[0]);
  }

  private async assertTeamInSite(m: EntityManager, careTeamId: string, siteId: string): Promise<void> {
    const rows = await m.query(`SELECT 1 FROM care_teams WHERE id = $1 AND site_id = $2`, [
      careTeamId,
      siteId,
    ]);
    if (rows.length === 0) {
      throw new InvalidInputError('The care team does not exist or belongs to another site', [
        { path: 'body.careTeamId', message: 'no such care team at this site' },
      ]);
    }
  }

  private async assertIdentifiersFree(
    m: EntityManager,
    identifiers: ReadonlyArray<{ authority: string; identifier: string }>,
  ): Promise<void> {
    const keys = identifiers.map((i) => `${i.authority}\u0000${i.identifier}`);
    if (new Set(keys).size !== keys.length) throw new InvalidInputError('An identifier is listed twice');
    const taken = await m.query(
      `SELECT 1 FROM patient_identifiers i
       JOIN unnest($1::text[], $2::text[]) AS t(authority, identifier)
         ON i.authority = t.authority AND i.identifier = t.identifier`,
      [identifiers.map((i) => i.authority), identifiers.map((i) => i.identifier)],
    );
    if (taken.length > 0) throw new ConflictError('An identifier is already assigned to a patient');
  }
}
