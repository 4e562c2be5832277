import { Injectable } from '@nestjs/common';
import {
  DEFAULT_MONITORING_SETTINGS,
  type MonitoringSettings,
  type MonitoringSettingsOverrides,
  resolveMonitoringSettings,
  type SuspensionReason,
  suspensionProblems,
} from '@alem/clinical';
import { DataSource, type EntityManager } from 'typeorm';
import { AlertLedger } from '../alert-ledger/alert-ledger';
import { queryRows } from '../query-rows';
import { type AuditActor, AuditRepository } from './audit.repository';

/** A monitoring change the caller asked for that cannot be made (the admin API maps it to 400/404/409). */
export class MonitoringInputError extends Error {
  constructor(
    readonly code: 'invalid' | 'not-found' | 'conflict',
    readonly problems: readonly string[],
  ) {
    super(problems.join('; '));
    this.name = 'MonitoringInputError';
  }
}

export interface NewSuspension {
  patientId: string;
  reason: SuspensionReason;
  /** The user who recorded it (required, like its end day except for deceased). */
  authorUserId: string;
  /** First and last suspended day (site zone), both included. */
  startDay: string;
  endDay: string | null;
  note?: string | null;
}

export interface SuspensionView {
  id: string;
  patientId: string;
  reason: SuspensionReason;
  authorUserId: string;
  startDay: string;
  endDay: string | null;
  note: string | null;
  createdAt: Date;
  withdrawnAt: Date | null;
}

/** The monitoring facts that are not treatment courses. Fields left out keep their value. */
export interface MonitoringPlanChange {
  /** The next course once a date is set (pre-course gates); null clears it (e.g. when it is recorded). */
  plannedCourse?: { courseNumber?: number | null; startDay: string } | null;
  /** CLL: the day Campath therapy ended. */
  cllTherapyEndDay?: string | null;
  /** Months added to monitoring_end for every test ("or longer, if clinically indicated"). */
  monitoringExtensionMonths?: number;
  /** Months added for thyroid tests only ("in case of pregnancy"). */
  thyroidExtensionMonths?: number;
}

export interface ExpectationView {
  ruleId: string;
  kind: string;
  courseNumber: number | null;
  status: string;
  severity: string;
  dueDay: string | null;
  lastReceivedDay: string | null;
  heldBy: string[];
  nextChangeAt: Date | null;
  alertId: string | null;
  statusSince: Date;
  evaluatedAt: Date;
  explanation: Record<string, unknown>;
}

export interface SiteMonitoringSettings {
  siteId: string;
  /** 0: the defaults (no version saved). */
  version: number;
  overrides: MonitoringSettingsOverrides;
  settings: MonitoringSettings;
  changedAt: Date | null;
  changedBy: string | null;
}

const HOUR_MS = 3_600_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Marks a sweep unit as "new input: evaluate at the next sweep", whatever the sweeping app's clock says. */
const WAKE = `'-infinity'`;

/**
 * Results of the patients `patientIds` (a subquery) were stored: wake their sweep units. A patient already
 * waiting is not written again. If a sweep holds the patient, this waits for it (a sweep transaction is short) and
 * the patient is swept again afterwards, so no arrival is missed. Used by `markResultsArrived` and, folded into
 * the processor's one statement per batch, by `ResultRepository.store`.
 */
export function wakeOnResultsSql(patientIds: string): string {
  return `UPDATE monitoring_patients SET next_check_at = ${WAKE}
    WHERE patient_id IN (${patientIds}) AND next_check_at IS DISTINCT FROM ${WAKE}`;
}

/**
 * The monitoring schedule's storage as the other apps use it:
 * - the result processor: the wake on arriving results (`wakeOnResultsSql`, within its results insert in the
 *   batch transaction) and `recordFeedActivity` (periodically);
 * - the admin API: suspensions, the monitoring plan, site settings (versioned), lab feed rhythm and owner,
 *   releasing a quiet feed's hold, the integration team of a site; every change audited in its transaction;
 * - dashboards: a patient's expectations.
 * The scheduler notices every change through `monitoring_patients.next_check_at` / `lab_feeds.next_check_at`.
 */
@Injectable()
export class MonitoringRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly ledger: AlertLedger,
  ) {}

  /**
   * Results of these patients were stored in the caller's transaction: re-evaluate them at the next sweep
   * (`wakeOnResultsSql`). The processor does this within its results insert (`ResultRepository.store`).
   */
  async markResultsArrived(manager: EntityManager, patientIds: readonly string[]): Promise<void> {
    if (patientIds.length === 0) return;
    await manager.query(wakeOnResultsSql('SELECT unnest($1::uuid[])'), [[...new Set(patientIds)]]);
  }

  /**
   * Messages arrived from these senders, the last at `lastSeenAt` (receive time): keeps `lab_feeds.last_seen_at`
   * = greatest(...), records the silence that just ended for rhythm learning, and makes a quiet feed due at once
   * so the scheduler resolves its FEED-QUIET alert and releases its patients. Called periodically (every few
   * seconds) with the latest arrival per sender since the last call; its own transaction.
   */
  async recordFeedActivity(senders: ReadonlyArray<{ sender: string; lastSeenAt: Date }>): Promise<void> {
    const latest = new Map<string, Date>();
    for (const s of senders) {
      const seen = latest.get(s.sender);
      if (!seen || s.lastSeenAt > seen) latest.set(s.sender, s.lastSeenAt);
    }
    if (latest.size === 0) return;
    // One lock order (by sender) for every writer of lab_feeds, so concurrent reporters never deadlock.
    const names = [...latest.keys()].sort();
    const seen = names.map((n) => latest.get(n)!.toISOString());
    await this.dataSource.transaction(async (m) => {
      const before: Array<{ sender: string; last_seen_at: Date | null }> = await m.query(
        `SELECT sender, last_seen_at FROM lab_feeds WHERE sender = ANY($1::text[]) ORDER BY sender FOR UPDATE`,
        [names],
      );
      await m.query(
        `INSERT INTO lab_feeds AS f (sender, quiet_after_ms, rhythm_source, last_seen_at, state, next_check_at, created_at)
         SELECT t.sender, $3::bigint, 'default', t.seen, 'ok', t.seen + $3::float8 * interval '1 millisecond', t.seen
         FROM unnest($1::text[], $2::timestamptz[]) AS t(sender, seen)
         ORDER BY t.sender
         ON CONFLICT (sender) DO UPDATE SET
           last_seen_at = greatest(f.last_seen_at, EXCLUDED.last_seen_at),
           next_check_at = CASE
             -- A quiet or holding feed spoke: check it now (resolve FEED-QUIET, release the held patients).
             WHEN f.state = 'quiet' OR f.holding THEN least(coalesce(f.next_check_at, 'infinity'), EXCLUDED.last_seen_at)
             ELSE greatest(f.last_seen_at, EXCLUDED.last_seen_at) + f.quiet_after_ms::float8 * interval '1 millisecond'
           END`,
        [names, seen, DEFAULT_MONITORING_SETTINGS.feeds.defaultQuietAfterHours * HOUR_MS],
      );
      const previous = new Map(before.map((b) => [b.sender, b.last_seen_at]));
      const gaps = names.flatMap((name) => {
        const prev = previous.get(name);
        const now = latest.get(name)!;
        if (!prev || now <= prev) return [];
        // The silence that ended with this report, on the UTC day it ended (as dailyLongestSilences counts).
        return [{ sender: name, day: now.toISOString().slice(0, 10), ms: now.getTime() - prev.getTime() }];
      });
      if (gaps.length > 0) {
        await m.query(
          `INSERT INTO lab_feed_silences AS s (sender, day, longest_silence_ms)
           SELECT * FROM unnest($1::text[], $2::date[], $3::bigint[])
           ON CONFLICT (sender, day) DO UPDATE SET longest_silence_ms = greatest(s.longest_silence_ms, EXCLUDED.longest_silence_ms)`,
          [gaps.map((g) => g.sender), gaps.map((g) => g.day), gaps.map((g) => g.ms)],
        );
      }
    });
  }

  /** Records a suspension (validated with `suspensionProblems`), audited in the same transaction. */
  async addSuspension(input: NewSuspension, actor: AuditActor, now: Date): Promise<SuspensionView> {
    const problems = suspensionProblems({
      reason: input.reason,
      author: input.authorUserId,
      start: input.startDay,
      end: input.endDay,
      note: input.note ?? null,
    });
    if (problems.length > 0) throw new MonitoringInputError('invalid', problems);
    return this.dataSource.transaction(async (m) => {
      await this.requirePatient(m, input.patientId);
      const [row]: SuspensionRow[] = await m.query(
        `INSERT INTO monitoring_suspensions (patient_id, reason, author_user_id, start_day, end_day, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SUSPENSION_COLUMNS}`,
        [
          input.patientId,
          input.reason,
          input.authorUserId,
          input.startDay,
          input.endDay,
          input.note ?? null,
          now.toISOString(),
        ],
      );
      const view = toSuspension(row!);
      await this.audit.append(m, [
        {
          actor,
          action: 'monitoring-suspension.create',
          entityType: 'monitoring-suspension',
          entityId: view.id,
          patientId: view.patientId,
          dataCategory: 'treatment',
          detail: { after: suspensionDetail(view) },
          at: now,
        },
      ]);
      return view;
    });
  }

  /** Moves a suspension's end day (ends it early, or extends it), audited with before and after. */
  async changeSuspensionEnd(
    suspensionId: string,
    endDay: string,
    actor: AuditActor,
    now: Date,
  ): Promise<SuspensionView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lockSuspension(m, suspensionId);
      const problems = suspensionProblems({
        reason: before.reason,
        author: before.authorUserId,
        start: before.startDay,
        end: endDay,
      });
      if (problems.length > 0 || !DAY.test(endDay)) {
        throw new MonitoringInputError('invalid', problems.length > 0 ? problems : ['end must be a day']);
      }
      const [row] = await queryRows<SuspensionRow>(
        m,
        `UPDATE monitoring_suspensions SET end_day = $2, updated_at = $3, updated_by = $4 WHERE id = $1
         RETURNING ${SUSPENSION_COLUMNS}`,
        [suspensionId, endDay, now.toISOString(), userIdOf(actor)],
      );
      const after = toSuspension(row!);
      await this.audit.append(m, [
        {
          actor,
          action: 'monitoring-suspension.update',
          entityType: 'monitoring-suspension',
          entityId: suspensionId,
          patientId: after.patientId,
          dataCategory: 'treatment',
          detail: { before: suspensionDetail(before), after: suspensionDetail(after) },
          at: now,
        },
      ]);
      return after;
    });
  }

  /** Withdraws a suspension recorded in error: kept for the record, ignored by the schedule; audited. */
  async withdrawSuspension(suspensionId: string, actor: AuditActor, now: Date): Promise<SuspensionView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lockSuspension(m, suspensionId);
      const [row] = await queryRows<SuspensionRow>(
        m,
        `UPDATE monitoring_suspensions SET withdrawn_at = $2, withdrawn_by = $3 WHERE id = $1
         RETURNING ${SUSPENSION_COLUMNS}`,
        [suspensionId, now.toISOString(), userIdOf(actor)],
      );
      const after = toSuspension(row!);
      await this.audit.append(m, [
        {
          actor,
          action: 'monitoring-suspension.withdraw',
          entityType: 'monitoring-suspension',
          entityId: suspensionId,
          patientId: after.patientId,
          dataCategory: 'treatment',
          detail: { before: suspensionDetail(before) },
          at: now,
        },
      ]);
      return after;
    });
  }

  /** A patient's suspensions, oldest first (or newest first); inside `manager`'s transaction when given. */
  async suspensions(
    patientId: string,
    options: { manager?: EntityManager; newestFirst?: boolean } = {},
  ): Promise<SuspensionView[]> {
    const order = options.newestFirst ? 'DESC' : 'ASC';
    const rows: SuspensionRow[] = await (options.manager ?? this.dataSource.manager).query(
      `SELECT ${SUSPENSION_COLUMNS} FROM monitoring_suspensions WHERE patient_id = $1
       ORDER BY start_day ${order}, created_at ${order}`,
      [patientId],
    );
    return rows.map(toSuspension);
  }

  /** Changes the patient's monitoring plan (planned course, CLL therapy end, extensions), audited. */
  async setMonitoringPlan(
    patientId: string,
    change: MonitoringPlanChange,
    actor: AuditActor,
    now: Date,
  ): Promise<void> {
    const problems: string[] = [];
    const day = (v: string | null | undefined, name: string) => {
      if (v !== null && v !== undefined && !DAY.test(v)) problems.push(`${name} must be a calendar day`);
    };
    day(change.plannedCourse?.startDay, 'plannedCourse.startDay');
    day(change.cllTherapyEndDay, 'cllTherapyEndDay');
    for (const key of ['monitoringExtensionMonths', 'thyroidExtensionMonths'] as const) {
      const v = change[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0))
        problems.push(`${key} must be a whole number ≥ 0`);
    }
    const n = change.plannedCourse?.courseNumber;
    if (n !== undefined && n !== null && !(Number.isInteger(n) && n >= 1))
      problems.push('plannedCourse.courseNumber must be a whole number ≥ 1');
    if (problems.length > 0) throw new MonitoringInputError('invalid', problems);
    await this.dataSource.transaction(async (m) => {
      await this.requirePatient(m, patientId);
      const [before]: PlanRow[] = await m.query(
        `SELECT ${PLAN_COLUMNS} FROM monitoring_patients WHERE patient_id = $1 FOR UPDATE`,
        [patientId],
      );
      const next: PlanRow = { ...before! };
      if (change.plannedCourse !== undefined) {
        next.planned_course_number = change.plannedCourse?.courseNumber ?? null;
        next.planned_course_start_day = change.plannedCourse?.startDay ?? null;
      }
      if (change.cllTherapyEndDay !== undefined) next.cll_therapy_end_day = change.cllTherapyEndDay;
      if (change.monitoringExtensionMonths !== undefined)
        next.monitoring_extension_months = change.monitoringExtensionMonths;
      if (change.thyroidExtensionMonths !== undefined)
        next.thyroid_extension_months = change.thyroidExtensionMonths;
      await m.query(
        `UPDATE monitoring_patients SET planned_course_number = $2, planned_course_start_day = $3,
                cll_therapy_end_day = $4, monitoring_extension_months = $5, thyroid_extension_months = $6,
                plan_updated_at = $7, plan_updated_by = $8, next_check_at = ${WAKE}
         WHERE patient_id = $1`,
        [
          patientId,
          next.planned_course_number,
          next.planned_course_start_day,
          next.cll_therapy_end_day,
          next.monitoring_extension_months,
          next.thyroid_extension_months,
          now.toISOString(),
          userIdOf(actor),
        ],
      );
      await this.audit.append(m, [
        {
          actor,
          action: 'monitoring-plan.update',
          entityType: 'monitoring-plan',
          entityId: patientId,
          patientId,
          dataCategory: 'treatment',
          detail: { before: before!, after: next },
          at: now,
        },
      ]);
    });
  }

  /** A site's current monitoring settings (the defaults, version 0, when none were saved). */
  async siteSettings(
    siteId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SiteMonitoringSettings> {
    const [row]: Array<{
      version: number;
      overrides: MonitoringSettingsOverrides;
      changed_at: Date;
      changed_by: string | null;
    }> = await manager.query(
      `SELECT version, overrides, changed_at, changed_by FROM monitoring_site_settings
       WHERE site_id = $1 ORDER BY version DESC LIMIT 1`,
      [siteId],
    );
    if (!row) {
      return {
        siteId,
        version: 0,
        overrides: {},
        settings: DEFAULT_MONITORING_SETTINGS,
        changedAt: null,
        changedBy: null,
      };
    }
    return {
      siteId,
      version: row.version,
      overrides: row.overrides,
      settings: resolveMonitoringSettings(row.overrides),
      changedAt: row.changed_at,
      changedBy: row.changed_by,
    };
  }

  /**
   * Saves a new version of a site's overrides of the monitoring defaults. Validated first
   * (`resolveMonitoringSettings` throws `MonitoringSettingsError` listing every problem); versions are
   * immutable; the change is audited with before and after; the site's patients and feeds are re-evaluated.
   */
  async saveSiteSettings(
    siteId: string,
    overrides: MonitoringSettingsOverrides,
    actor: AuditActor,
    now: Date,
    reason: string | null = null,
  ): Promise<SiteMonitoringSettings> {
    const settings = resolveMonitoringSettings(overrides);
    return this.dataSource.transaction(async (m) => {
      // Serialises saves of one site, so versions never clash.
      const site: unknown[] = await m.query(`SELECT id FROM sites WHERE id = $1 FOR UPDATE`, [siteId]);
      if (site.length === 0) throw new MonitoringInputError('not-found', [`site ${siteId} not found`]);
      const before = await this.siteSettings(siteId, m);
      const version = before.version + 1;
      await m.query(
        `INSERT INTO monitoring_site_settings (site_id, version, overrides, changed_by, changed_at, reason)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [siteId, version, JSON.stringify(overrides), userIdOf(actor), now.toISOString(), reason],
      );
      await m.query(
        `UPDATE monitoring_patients SET next_check_at = ${WAKE}
         WHERE patient_id IN (SELECT id FROM patients WHERE site_id = $1)`,
        [siteId],
      );
      await m.query(`UPDATE lab_feeds SET next_check_at = $2, rhythm_learned_at = NULL WHERE site_id = $1`, [
        siteId,
        now.toISOString(),
      ]);
      await this.audit.append(m, [
        {
          actor,
          action: 'monitoring-settings.update',
          entityType: 'site',
          entityId: siteId,
          dataCategory: 'configuration',
          detail: {
            before: { version: before.version, overrides: before.overrides },
            after: { version, overrides },
            reason,
          },
          at: now,
        },
      ]);
      return { siteId, version, overrides, settings, changedAt: now, changedBy: userIdOf(actor) };
    });
  }

  /**
   * Sets a feed's rhythm by hand (`quietAfterHours`; null: learn it from traffic again) and/or its owning site
   * (whose integration team gets its FEED-QUIET alerts); audited.
   */
  async configureFeed(
    sender: string,
    change: { quietAfterHours?: number | null; siteId?: string | null },
    actor: AuditActor,
    now: Date,
  ): Promise<void> {
    if (
      change.quietAfterHours !== undefined &&
      change.quietAfterHours !== null &&
      !(change.quietAfterHours > 0)
    )
      throw new MonitoringInputError('invalid', ['quietAfterHours must be > 0']);
    await this.dataSource.transaction(async (m) => {
      const [before]: Array<Record<string, unknown>> = await m.query(
        `SELECT quiet_after_ms, rhythm_source, site_id, site_source FROM lab_feeds WHERE sender = $1 FOR UPDATE`,
        [sender],
      );
      const defaultMs = DEFAULT_MONITORING_SETTINGS.feeds.defaultQuietAfterHours * HOUR_MS;
      if (!before) {
        await m.query(
          `INSERT INTO lab_feeds (sender, quiet_after_ms, rhythm_source, state, created_at) VALUES ($1, $2, 'default', 'unknown', $3)`,
          [sender, defaultMs, now.toISOString()],
        );
      }
      if (change.quietAfterHours !== undefined) {
        const configured = change.quietAfterHours !== null;
        await m.query(
          `UPDATE lab_feeds SET quiet_after_ms = $2, rhythm_source = $3, rhythm_learned_from = NULL,
                  rhythm_learned_at = NULL, next_check_at = $4 WHERE sender = $1`,
          [
            sender,
            configured ? Math.round(change.quietAfterHours! * HOUR_MS) : defaultMs,
            configured ? 'configured' : 'default',
            now.toISOString(),
          ],
        );
      }
      if (change.siteId !== undefined) {
        await m.query(
          `UPDATE lab_feeds SET site_id = $2, site_source = $3, next_check_at = $4 WHERE sender = $1`,
          [sender, change.siteId, change.siteId === null ? null : 'configured', now.toISOString()],
        );
      }
      await this.audit.append(m, [
        {
          actor,
          action: 'lab-feed.configure',
          entityType: 'lab-feed',
          entityId: sender,
          dataCategory: 'configuration',
          detail: { before: before ?? null, after: change },
          at: now,
        },
      ]);
    });
  }

  /**
   * A person releases the hold a quiet feed has on its patients' missed-result alerts (they then go out as if
   * the feed were not quiet), for this quiet episode: the hold comes back only if the feed speaks and goes
   * quiet again. The FEED-QUIET alert itself stays open. Timeline entry on that alert; audited.
   */
  async releaseFeedHold(
    sender: string,
    actor: AuditActor,
    now: Date,
    note: string | null = null,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const rows = await queryRows<{ alert_id: string | null }>(
        m,
        `UPDATE lab_feeds SET hold_released_at = $2, hold_released_by = $3, next_check_at = $2
         WHERE sender = $1 AND state = 'quiet' RETURNING alert_id`,
        [sender, now.toISOString(), userIdOf(actor)],
      );
      if (rows.length === 0) throw new MonitoringInputError('conflict', [`feed ${sender} is not quiet`]);
      if (rows[0]!.alert_id) {
        await this.ledger.note(
          m,
          [
            {
              alertId: rows[0]!.alert_id,
              type: 'hold-released',
              actorUserId: userIdOf(actor),
              detail: { sender, note },
            },
          ],
          now,
        );
      }
      await this.audit.append(m, [
        {
          actor,
          action: 'lab-feed.release-hold',
          entityType: 'lab-feed',
          entityId: sender,
          dataCategory: 'alerts',
          detail: { note, alertId: rows[0]!.alert_id },
          at: now,
        },
      ]);
    });
  }

  /** Sets the care team that receives the site's FEED-QUIET alerts (null: none), audited. */
  async setIntegrationCareTeam(
    siteId: string,
    careTeamId: string | null,
    actor: AuditActor,
    now: Date,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const [before]: Array<{ integration_care_team_id: string | null }> = await m.query(
        `SELECT integration_care_team_id FROM sites WHERE id = $1 FOR UPDATE`,
        [siteId],
      );
      if (!before) throw new MonitoringInputError('not-found', [`site ${siteId} not found`]);
      await m.query(`UPDATE sites SET integration_care_team_id = $2 WHERE id = $1`, [siteId, careTeamId]);
      await this.audit.append(m, [
        {
          actor,
          action: 'site.integration-team.update',
          entityType: 'site',
          entityId: siteId,
          dataCategory: 'configuration',
          detail: { before: before.integration_care_team_id, after: careTeamId },
          at: now,
        },
      ]);
    });
  }

  /** A patient's expectations as the scheduler last computed them. */
  async expectations(patientId: string): Promise<ExpectationView[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT rule_id, kind, course_number, status, severity, due_day::text AS due_day,
              last_received_day::text AS last_received_day, held_by, next_change_at, alert_id, status_since,
              evaluated_at, explanation
       FROM monitoring_expectations WHERE patient_id = $1 ORDER BY rule_id`,
      [patientId],
    );
    return rows.map((r) => ({
      ruleId: r.rule_id as string,
      kind: r.kind as string,
      courseNumber: r.course_number as number | null,
      status: r.status as string,
      severity: r.severity as string,
      dueDay: r.due_day as string | null,
      lastReceivedDay: r.last_received_day as string | null,
      heldBy: r.held_by as string[],
      nextChangeAt: r.next_change_at as Date | null,
      alertId: r.alert_id as string | null,
      statusSince: r.status_since as Date,
      evaluatedAt: r.evaluated_at as Date,
      explanation: r.explanation as Record<string, unknown>,
    }));
  }

  private async requirePatient(m: EntityManager, patientId: string): Promise<void> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM patients WHERE id = $1`, [patientId]);
    if (rows.length === 0) throw new MonitoringInputError('not-found', [`patient ${patientId} not found`]);
  }

  private async lockSuspension(m: EntityManager, id: string): Promise<SuspensionView> {
    const [row]: SuspensionRow[] = await m.query(
      `SELECT ${SUSPENSION_COLUMNS} FROM monitoring_suspensions WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!row) throw new MonitoringInputError('not-found', [`suspension ${id} not found`]);
    if (row.withdrawn_at) throw new MonitoringInputError('conflict', [`suspension ${id} was withdrawn`]);
    return toSuspension(row);
  }
}

interface SuspensionRow {
  id: string;
  patient_id: string;
  reason: SuspensionReason;
  author_user_id: string;
  start_day: string;
  end_day: string | null;
  note: string | null;
  created_at: Date;
  withdrawn_at: Date | null;
}

const SUSPENSION_COLUMNS = `id, patient_id, reason, author_user_id, start_day::text AS start_day,
  end_day::text AS end_day, note, created_at, withdrawn_at`;

function toSuspension(r: SuspensionRow): SuspensionView {
  return {
    id: r.id,
    patientId: r.patient_id,
    reason: r.reason,
    authorUserId: r.author_user_id,
    startDay: r.start_day,
    endDay: r.end_day,
    note: r.note,
    createdAt: r.created_at,
    withdrawnAt: r.withdrawn_at,
  };
}

function suspensionDetail(s: SuspensionView): Record<string, unknown> {
  return { reason: s.reason, author: s.authorUserId, start: s.startDay, end: s.endDay, note: s.note };
}

interface PlanRow {
  planned_course_number: number | null;
  planned_course_start_day: string | null;
  cll_therapy_end_day: string | null;
  monitoring_extension_months: number;
  thyroid_extension_months: number;
}

const PLAN_COLUMNS = `planned_course_number, planned_course_start_day::text AS planned_course_start_day,
  cll_therapy_end_day::text AS cll_therapy_end_day, monitoring_extension_months, thyroid_extension_months`;

/** The user id of an actor for the tables' `..._by` columns (an API key or a component has none). */
function userIdOf(actor: AuditActor): string | null {
  return actor.type === 'user' ? actor.id : null;
}
