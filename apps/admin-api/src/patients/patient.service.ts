import { Injectable } from '@nestjs/common';
import { patientFlags } from '@alem/clinical';
import { Clock } from '@alem/runtime';
import { type EntityManager } from 'typeorm';
import { CareTeamRepository } from '../care-teams/care-team.repository';
import { AuditedTransactions } from '../common/audited-transaction';
import { type CsvColumn } from '../common/csv';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { patientScopeOf } from '../common/patient-scope';
import { type RequestActor } from '../common/request-actor';
import {
  type AddIdentifierDto,
  type ClinicalFlagsInputDto,
  type ClinicalFlagsView,
  type CourseEventQueryDto,
  type CourseEventView,
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
import { PatientRepository } from './patient.repository';

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
    private readonly patients: PatientRepository,
    private readonly teams: CareTeamRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async list(actor: RequestActor, query: PatientQueryDto, format: ListFormat): Promise<Page<PatientView>> {
    const limit = pageLimit(query, format);
    return this.audited.run(actor, 'patient-demographics', async (m, trail) => {
      const page = await this.patients.list(m, patientScopeOf(actor), query, limit);
      trail.record({
        action: 'patient.list',
        entityType: 'patient',
        detail: {
          filters: { ...query, limit },
          total: page.total,
          patientIds: page.items.map((p) => p.id),
        },
      });
      return { ...page, limit, offset: query.offset };
    });
  }

  async get(actor: RequestActor, id: string): Promise<PatientDetailView> {
    return this.audited.run(actor, 'patient-demographics', async (m, trail) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id);
      if (!patient) throw new NotFoundError('Patient');
      trail.record({
        action: 'patient.read',
        entityType: 'patient',
        entityId: id,
        patientId: id,
      });
      return patient;
    });
  }

  async create(actor: RequestActor, input: CreatePatientDto): Promise<PatientDetailView> {
    return this.audited.run(actor, 'patient-demographics', async (m, trail) => {
      await this.assertTeamInSite(m, input.careTeamId, input.siteId);
      await this.assertIdentifiersFree(m, input.identifiers);
      const id = await this.patients.insert(m, input, this.clock.now());
      for (const course of input.courses) await this.patients.insertCourse(m, id, course, this.clock.now());
      const after = (await this.patients.find(m, { kind: 'all' }, id))!;
      trail.record({
        action: 'patient.create',
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { before: null, after },
      });
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdatePatientDto): Promise<PatientDetailView> {
    return this.audited.run(actor, 'patient-demographics', async (m, trail) => {
      const before = await this.lockPatient(m, id);
      if (input.careTeamId) await this.assertTeamInSite(m, input.careTeamId, before.siteId);
      const columns: Array<[string, unknown]> = [];
      const assign = (column: string, value: unknown) => columns.push([column, value]);
      if (input.careTeamId !== undefined) assign('care_team_id', input.careTeamId);
      if (input.indication !== undefined) assign('indication', input.indication);
      if (input.displayName !== undefined) assign('display_name', input.displayName);
      if (input.birthDate !== undefined) assign('birth_date', input.birthDate);
      if (input.sex !== undefined) assign('sex', input.sex);
      if (input.enrolmentEndedAt !== undefined) assign('enrolment_ended_at', input.enrolmentEndedAt);
      await this.patients.update(m, id, columns);
      const after = (await this.patients.find(m, { kind: 'all' }, id))!;
      trail.record({
        action: 'patient.update',
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { before, after },
      });
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
    return this.audited.run(actor, 'treatment', async (m, trail) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id, true);
      if (!patient) throw new NotFoundError('Patient');
      const before = patient.clinicalFlags;
      const after = patientFlags({ flags: { ...before, ...input } });
      await this.patients.setClinicalFlags(m, id, after);
      trail.record({
        action: 'patient.clinical-flags.update',
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { before, after },
      });
      return after;
    });
  }

  async addIdentifier(actor: RequestActor, id: string, input: AddIdentifierDto): Promise<PatientDetailView> {
    return this.changeIdentifiers(actor, id, 'patient.identifier.add', async (m) => {
      await this.assertIdentifiersFree(m, [input]);
      await this.patients.addIdentifier(m, id, input);
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
      await this.patients.removeIdentifier(m, id, input);
    });
  }

  async courses(actor: RequestActor, id: string): Promise<{ items: CourseView[] }> {
    return this.audited.run(actor, 'treatment', async (m, trail) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id);
      if (!patient) throw new NotFoundError('Patient');
      trail.record({
        action: 'course.list',
        entityType: 'patient',
        entityId: id,
        patientId: id,
      });
      return { items: patient.courses };
    });
  }

  /**
   * The courses' timeline, newest first: what each administration's arrival or withdrawal changed, and the
   * anomalies of the plan. Read like the courses (a clinician: their teams' patients; another's is not found).
   */
  async courseEvents(
    actor: RequestActor,
    id: string,
    query: CourseEventQueryDto,
    format: ListFormat,
  ): Promise<Page<CourseEventView>> {
    const limit = pageLimit(query, format);
    return this.audited.run(actor, 'treatment', async (m, trail) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id);
      if (!patient) throw new NotFoundError('Patient');
      const page = await this.patients.courseEvents(m, id, query, limit);
      trail.record({
        action: 'course-event.list',
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { filters: { ...query, limit }, eventIds: page.items.map((e) => e.id), total: page.total },
      });
      return { ...page, limit, offset: query.offset };
    });
  }

  async createCourse(actor: RequestActor, id: string, input: CreateCourseDto): Promise<CourseView> {
    return this.audited.run(actor, 'treatment', async (m, trail) => {
      const patient = await this.lockPatient(m, id);
      if (patient.courses.some((c) => c.courseNumber === input.courseNumber)) {
        throw new ConflictError(`Course ${input.courseNumber} already exists for this patient`);
      }
      const course = await this.patients.insertCourse(m, id, input, this.clock.now());
      trail.record({
        action: 'course.create',
        entityType: 'treatment-course',
        entityId: course.id,
        patientId: id,
        detail: { before: null, after: course },
      });
      return course;
    });
  }

  async updateCourse(
    actor: RequestActor,
    id: string,
    courseId: string,
    input: UpdateCourseDto,
  ): Promise<CourseView> {
    return this.audited.run(actor, 'treatment', async (m, trail) => {
      const before = await this.lockCourse(m, id, courseId);
      const after = await this.patients.updateCourse(m, id, courseId, input);
      trail.record({
        action: 'course.update',
        entityType: 'treatment-course',
        entityId: courseId,
        patientId: id,
        detail: { before, after },
      });
      return after;
    });
  }

  async deleteCourse(actor: RequestActor, id: string, courseId: string): Promise<void> {
    await this.audited.run(actor, 'treatment', async (m, trail) => {
      const before = await this.lockCourse(m, id, courseId);
      await this.patients.deleteCourse(m, id, courseId);
      trail.record({
        action: 'course.delete',
        entityType: 'treatment-course',
        entityId: courseId,
        patientId: id,
        detail: { before, after: null },
      });
    });
  }

  async results(
    actor: RequestActor,
    id: string,
    query: ResultQueryDto,
    format: ListFormat,
  ): Promise<Page<ResultView>> {
    const limit = pageLimit(query, format);
    return this.audited.run(actor, 'lab-results', async (m, trail) => {
      const patient = await this.patients.find(m, patientScopeOf(actor), id);
      if (!patient) throw new NotFoundError('Patient');
      const page = await this.patients.results(m, id, query, limit);
      trail.record({
        action: 'result.list',
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { filters: { ...query, limit }, resultIds: page.items.map((r) => r.id), total: page.total },
      });
      return { ...page, limit, offset: query.offset };
    });
  }

  private async changeIdentifiers(
    actor: RequestActor,
    id: string,
    action: string,
    change: (m: EntityManager, before: PatientDetailView) => Promise<void>,
  ): Promise<PatientDetailView> {
    return this.audited.run(actor, 'patient-demographics', async (m, trail) => {
      const before = await this.lockPatient(m, id);
      await change(m, before);
      const after = (await this.patients.find(m, { kind: 'all' }, id))!;
      trail.record({
        action,
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { before: { identifiers: before.identifiers }, after: { identifiers: after.identifiers } },
      });
      return after;
    });
  }

  private async lockPatient(m: EntityManager, id: string): Promise<PatientDetailView> {
    const patient = await this.patients.find(m, { kind: 'all' }, id, true);
    if (!patient) throw new NotFoundError('Patient');
    return patient;
  }

  private async lockCourse(m: EntityManager, patientId: string, courseId: string): Promise<CourseView> {
    const course = await this.patients.lockCourse(m, patientId, courseId);
    if (!course) throw new NotFoundError('Treatment course');
    return course;
  }

  private async assertTeamInSite(m: EntityManager, careTeamId: string, siteId: string): Promise<void> {
    if (!(await this.teams.teamInSite(m, careTeamId, siteId))) {
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
    if (await this.patients.identifiersTaken(m, identifiers))
      throw new ConflictError('An identifier is already assigned to a patient');
  }
}
