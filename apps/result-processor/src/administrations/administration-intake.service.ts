import { Injectable, Logger } from '@nestjs/common';
import {
  administrationsToPlan,
  type AdministrationRecord,
  type CoursePlan,
  type CoursePlanChange,
  type CourseRow,
  courseBasis,
  courseRows,
  diffCoursePlans,
  enrolledExplanation,
  ENROLLED_FROM_INFUSION_RULE_ID,
  ENROLMENT_UNMAPPED_RULE_ID,
  INFUSION_RECORD_VERSION,
  localDay,
  type MedicationProduct,
  planCourses,
  planEnrolment,
  productOf,
  sameCourseRows,
  unmappedExplanation,
} from '@alem/clinical';
import { hdForms, labResultKey, type MedicationAdministrationEvent, senderForms } from '@alem/events';
import { HEADERS, type InboundBatch, type InboundMessage } from '@alem/messaging';
import {
  AdministrationRepository,
  type AdministeredPatient,
  AlertLedger,
  DlqRepository,
  mappedProduct,
  type MonitoringAlertChange,
  MonitoringAlertRepository,
  type NewAdministrationRecord,
} from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { type DeadLetter, DeadLetterPublisher, toDlqRecord } from '../dead-letter.publisher';
import { ProcessorMetrics } from '../processor.metrics';
import { isDataError } from '../store-failure';
import { administrationKey, decodeAdministration, looksLikeAlemtuzumab } from './administration-decoder';

/** One alemtuzumab record of the batch, with the patient it concerns. */
interface Taken {
  record: NewAdministrationRecord;
  event: MedicationAdministrationEvent;
  message: InboundMessage;
}

interface StepCounts {
  kept: number;
  enrolled: number;
  unmapped: number;
  replanned: number;
  /** Messages the database refused, dead-lettered on their own. */
  isolated: number;
}

export interface AdministrationBatchOutcome {
  /** Records kept for the first time (a redelivery keeps none). */
  kept: number;
  /** Administrations of other medications: not ours to keep. */
  otherMedications: number;
  deadLettered: number;
  enrolled: number;
  unmapped: number;
  /** Patients whose `treatment_courses` were rewritten. */
  replanned: number;
}

/**
 * Takes one batch of `medication.administrations.v1` (issue 18): keeps each alemtuzumab record once, enrols a
 * patient first seen in the record (by the site's location mapping, or alerts the site's people when nothing
 * maps), and re-plans the patient's courses from every record held (`planCourses`), writing `treatment_courses`
 * (whose trigger wakes the monitoring schedule) and the course timeline. One transaction per batch; a patient's
 * records are planned under a lock of the patient, and only when the batch brought a record not kept before, so
 * a redelivered batch changes nothing.
 */
@Injectable()
export class AdministrationIntakeService {
  private readonly logger = new Logger(AdministrationIntakeService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly administrations: AdministrationRepository,
    private readonly openAlerts: MonitoringAlertRepository,
    private readonly ledger: AlertLedger,
    private readonly dlq: DlqRepository,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly clock: Clock,
    private readonly metrics: ProcessorMetrics,
  ) {}

  async processBatch(batch: InboundBatch): Promise<AdministrationBatchOutcome> {
    const now = this.clock.now();
    const letters: DeadLetter[] = [];
    const taken: Taken[] = [];
    let otherMedications = 0;
    const decoded = batch.messages.map((message) => ({ message, decoded: decodeAdministration(message) }));
    // The batch's codes in one query, not one per message.
    const mappings = await this.administrations.mappingsOf(
      this.dataSource.manager,
      decoded.flatMap(({ decoded: d }) => (d.ok ? [d.event.administration.medication] : [])),
    );
    for (const { message, decoded: d } of decoded) {
      if (!d.ok) {
        letters.push({ message, reason: d.reason, contentType: d.contentType });
        continue;
      }
      const { event, sender } = d;
      const { medication } = event.administration;
      const product = mappedProduct(mappings, senderForms(event.sender), medication.system, medication.code);
      if (product === null) {
        if (looksLikeAlemtuzumab(medication)) {
          letters.push({
            message,
            reason: `medication ${medication.code}^${medication.system} is named as alemtuzumab but not mapped: add a medication code mapping and replay`,
            contentType: message.headers[HEADERS.contentType] ?? null,
          });
        } else otherMedications++;
        continue;
      }
      taken.push({ event, message, record: toRecord(event, sender, product, message.timestamp) });
    }

    if (letters.length > 0) await this.deadLetters.publish(letters, now);
    let outcome: StepCounts;
    try {
      outcome = await this.store(letters, taken, now);
    } catch (error) {
      if (!isDataError(error)) throw error;
      this.logger.warn(
        `batch ${batch.topic}/${batch.partition}@${batch.messages[0]?.offset}: ${(error as Error).message}; isolating messages`,
      );
      outcome = await this.storeIsolating(letters, taken, now);
    }
    const deadLettered = letters.length + outcome.isolated;
    const { kept, enrolled, unmapped, replanned } = outcome;
    const counts = {
      kept,
      enrolled,
      unmapped,
      replanned,
      other_medication: otherMedications,
      dead_lettered: deadLettered,
    };
    for (const [key, value] of Object.entries(counts)) {
      if (value > 0) this.metrics.administrations.inc({ outcome: key }, value);
    }
    return { kept, enrolled, unmapped, replanned, otherMedications, deadLettered };
  }

  /** The batch's dead letters and records, in one transaction. */
  private store(letters: readonly DeadLetter[], taken: readonly Taken[], now: Date): Promise<StepCounts> {
    return this.dataSource.transaction(async (tx) => {
      await this.dlq.record(tx, letters.map(toDlqRecord));
      const counts: StepCounts = { kept: 0, enrolled: 0, unmapped: 0, replanned: 0, isolated: 0 };
      for (const group of byPatient(taken)) {
        const step = await this.takePatient(tx, group, now);
        counts.kept += step.kept;
        counts.enrolled += step.enrolled ? 1 : 0;
        counts.unmapped += step.unmapped ? 1 : 0;
        counts.replanned += step.replanned ? 1 : 0;
      }
      return counts;
    });
  }

  /**
   * A batch the database refused (a value it cannot hold, whatever the contract let through): each message in
   * a transaction of its own, and the one it refuses dead-lettered with the database's reason, so that one bad
   * message never blocks its partition.
   */
  private async storeIsolating(
    letters: readonly DeadLetter[],
    taken: readonly Taken[],
    now: Date,
  ): Promise<StepCounts> {
    const counts = await this.store(letters, [], now);
    for (const item of taken) {
      try {
        const step = await this.store([], [item], now);
        counts.kept += step.kept;
        counts.enrolled += step.enrolled;
        counts.unmapped += step.unmapped;
        counts.replanned += step.replanned;
      } catch (error) {
        if (!isDataError(error)) throw error;
        const letter: DeadLetter = {
          message: item.message,
          reason: `the database refused it: ${(error as Error).message}`,
          contentType: item.message.headers[HEADERS.contentType] ?? null,
        };
        await this.deadLetters.publish([letter], now);
        await this.store([letter], [], now);
        counts.isolated++;
      }
    }
    return counts;
  }

  private async takePatient(
    m: EntityManager,
    group: readonly Taken[],
    now: Date,
  ): Promise<{ kept: number; enrolled: boolean; unmapped: boolean; replanned: boolean }> {
    const inserted = await this.administrations.keep(
      m,
      group.map((t) => t.record),
    );
    const none = { kept: 0, enrolled: false, unmapped: false, replanned: false };
    if (inserted.size === 0) return none;
    const first = group[0]!.event;
    const authorities = hdForms(first.patient.authority);
    let patient = await this.administrations.lockPatient(m, authorities, first.patient.id);
    let enrolled = false;
    if (!patient) {
      patient = await this.enrolFromRecord(m, group, now);
      if (!patient) return { ...none, kept: inserted.size, unmapped: true };
      enrolled = true;
    }
    await this.administrations.claimRecords(m, patient.patientId);
    const replanned = await this.replan(m, patient, inserted, now);
    return { kept: inserted.size, enrolled, unmapped: false, replanned };
  }

  /**
   * A patient nobody has enrolled received alemtuzumab: enrolled to the team the sender's location maps to, with
   * an info alert to that team; or, when nothing maps, a warning alert to the site's integration team (the
   * admins, through the notifier's unreachable path, when the site is unknown or has none), never dropped.
   */
  private async enrolFromRecord(
    m: EntityManager,
    group: readonly Taken[],
    now: Date,
  ): Promise<AdministeredPatient | null> {
    const { event, record } = group[0]!;
    const senders = senderForms(event.sender);
    const location = group.find((t) => t.record.location)?.record.location ?? null;
    const mapping = await this.administrations.enrolmentLocation(m, senders, location);
    const plan = planEnrolment({
      location,
      products: group.map((t) => t.record.product),
      mapping,
      senderSites: mapping ? [] : await this.administrations.senderSites(m, senders),
    });
    const unmappedKey = `${ENROLMENT_UNMAPPED_RULE_ID}|${labResultKey(event.patient)}`;
    const [openUnmapped] = await this.openAlerts.openAlertsByKey(m, [unmappedKey]);
    if (plan.type === 'unmapped') {
      if (openUnmapped) return null;
      const team = plan.siteId ? await this.administrations.integrationTeam(m, plan.siteId) : null;
      const change: MonitoringAlertChange = {
        type: 'open',
        dedupKey: unmappedKey,
        patientId: null,
        ruleId: ENROLMENT_UNMAPPED_RULE_ID,
        kind: 'enrolment',
        severity: 'warning',
        notify: true,
        explanation: unmappedExplanation({
          sender: record.sender,
          location,
          reason: plan.reason,
          patient: event.patient,
        }),
        ruleSetVersion: INFUSION_RECORD_VERSION,
        route: team ? { careTeamId: team, reason: `site-integration-team:${plan.siteId}` } : null,
      };
      await this.ledger.applyMonitoringChanges(m, [change], now);
      this.logger.warn(`administration of ${record.sender}: patient not enrolled (${plan.reason}); alerted`);
      return null;
    }
    const enrolled = await this.administrations.enrol(m, {
      siteId: plan.siteId,
      careTeamId: plan.careTeamId,
      indication: plan.indication,
      identifier: event.patient,
      at: now,
    });
    const { patientId } = enrolled;
    const days = givenDays(
      group.map((t) => asRecord(t.record)),
      enrolled.timeZone,
    ).sort();
    const changes: MonitoringAlertChange[] = [
      {
        type: 'open',
        dedupKey: `${patientId}|${ENROLLED_FROM_INFUSION_RULE_ID}`,
        patientId,
        ruleId: ENROLLED_FROM_INFUSION_RULE_ID,
        kind: 'enrolment',
        severity: 'info',
        notify: false,
        explanation: enrolledExplanation({
          sender: record.sender,
          location,
          indication: plan.indication,
          firstDay: days[0] ?? null,
        }),
        ruleSetVersion: INFUSION_RECORD_VERSION,
      },
    ];
    if (openUnmapped) {
      changes.push({
        type: 'resolve',
        alert: openUnmapped,
        reason: 'enrolled-from-infusion-record',
        detail: { patientId },
      });
    }
    await this.ledger.applyMonitoringChanges(m, changes, now);
    this.logger.log(`administration of ${record.sender}: patient enrolled to care team ${plan.careTeamId}`);
    return enrolled;
  }

  /** Plans the patient's courses from every record held, before and after this batch's; writes what changed. */
  private async replan(
    m: EntityManager,
    patient: AdministeredPatient,
    inserted: ReadonlySet<string>,
    now: Date,
  ): Promise<boolean> {
    const records = await this.administrations.records(m, patient.patientId);
    const before = records.filter((r) => !inserted.has(r.idempotencyKey));
    const stored = await this.administrations.courses(m, patient.patientId);
    const planOf = (held: readonly AdministrationRecord[]) => {
      if (held.length === 0)
        return { plan: null as CoursePlan | null, kept: stored.filter(isManual), superseded: [] };
      const basis = courseBasis(stored, givenDays(held, patient.timeZone));
      const plan = planCourses(administrationsToPlan(held), {
        indication: patient.indication,
        timeZone: patient.timeZone,
        firstCourseNumber: basis.firstCourseNumber,
      });
      return { plan, kept: basis.kept, superseded: basis.superseded };
    };
    const was = planOf(before);
    const is = planOf(records);
    const rows = courseRows(is.kept, is.plan, productOf(records, patient.indication));
    const changed = !sameCourseRows(stored, rows);
    if (changed) await this.administrations.replaceCourses(m, patient.patientId, rows, now);
    const diff = diffCoursePlans(was.plan, is.plan);
    const replaced = is.superseded.filter((c) => !was.superseded.some((s) => sameCourseRows([s], [c])));
    await this.administrations.addCourseEvents(
      m,
      patient.patientId,
      [
        ...replaced.map((c) => ({
          type: 'entered-course-replaced',
          courseNumber: c.courseNumber,
          detail: {
            explanation: `Course ${c.courseNumber} as entered (${c.infusionDays.join(', ')}) is replaced by the infusion record.`,
            infusionDays: c.infusionDays,
          },
        })),
        ...diff.changes.map(courseEvent),
      ],
      now,
    );
    return changed;
  }
}

const isManual = (c: CourseRow) => c.source === 'manual';

/** The days of the given administrations (not withdrawn), in the site's zone. */
function givenDays(records: readonly AdministrationRecord[], timeZone: string): string[] {
  const withdrawn = new Set(records.filter((r) => r.status !== 'given').map((r) => r.administrationId));
  return records
    .filter((r) => r.status === 'given' && !withdrawn.has(r.administrationId))
    .map((r) => r.day ?? (r.at ? localDay(r.at, timeZone) : null))
    .filter((d): d is string => d !== null);
}

function asRecord(r: NewAdministrationRecord): AdministrationRecord {
  return {
    administrationId: r.administrationId,
    status: r.status,
    evidence: r.evidence,
    day: r.day,
    at: r.at ? new Date(r.at) : null,
    doseMg: r.doseMg,
    product: r.product,
    recordedAt: r.recordedAt ? new Date(r.recordedAt) : null,
  };
}

function courseEvent(change: CoursePlanChange): {
  type: string;
  courseNumber: number | null;
  detail: Record<string, unknown>;
} {
  switch (change.kind) {
    case 'course-added':
    case 'course-removed':
    case 'course-changed':
      return {
        type: change.kind,
        courseNumber: change.courseNumber,
        detail: {
          explanation: change.explanation,
          ...(change.kind === 'course-changed'
            ? { daysAdded: change.daysAdded, daysRemoved: change.daysRemoved }
            : {}),
        },
      };
    case 'last-infusion-moved':
    case 'monitoring-end-moved':
      return {
        type: change.kind,
        courseNumber: null,
        detail: { explanation: change.explanation, from: change.from, to: change.to },
      };
    case 'anomaly-added':
    case 'anomaly-removed':
      return {
        type: change.kind,
        courseNumber: change.anomaly.courseNumber,
        detail: {
          explanation: change.explanation,
          code: change.anomaly.code,
          day: change.anomaly.day,
          administrationIds: change.anomaly.administrationIds,
        },
      };
  }
}

/** The batch's records by patient (as the event names them), in arrival order. */
function byPatient(taken: readonly Taken[]): Taken[][] {
  const groups = new Map<string, Taken[]>();
  for (const t of taken) {
    const key = labResultKey(t.event.patient);
    const group = groups.get(key);
    if (group) group.push(t);
    else groups.set(key, [t]);
  }
  return [...groups.values()];
}

function toRecord(
  event: MedicationAdministrationEvent,
  sender: string,
  product: MedicationProduct,
  brokerTimestamp: number,
): NewAdministrationRecord {
  const a = event.administration;
  return {
    idempotencyKey: administrationKey(sender, event),
    sender,
    messageControlId: event.messageControlId,
    authority: event.patient.authority,
    patientIdentifier: event.patient.id,
    administrationId: a.id,
    status: a.status,
    evidence: a.evidence,
    day: a.day ?? null,
    at: a.at ?? null,
    doseMg: a.doseMg ?? null,
    medicationSystem: a.medication.system,
    medicationCode: a.medication.code,
    product,
    location: event.location ?? null,
    recordedAt: event.recordedAt ?? null,
    receivedAt: event.receivedAt ?? new Date(brokerTimestamp).toISOString(),
  };
}
