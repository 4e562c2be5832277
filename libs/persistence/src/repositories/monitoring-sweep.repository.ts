import { Injectable } from '@nestjs/common';
import {
  type ExpectationExplanation,
  type MonitoringSettingsOverrides,
  type ReceivedStatus,
  type SuspensionReason,
} from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';

/** What the sweep needs to know about one patient, besides results and feeds (one row per patient). */
export interface MonitoringPatientRow {
  patientId: string;
  siteId: string;
  indication: 'MS' | 'CLL';
  enrolledAt: Date;
  enrolmentEndedAt: Date | null;
  timeZone: string;
  courses: Array<{ courseNumber: number; infusionDays: string[] }>;
  suspensions: Array<{
    reason: SuspensionReason;
    author: string;
    start: string;
    end: string | null;
    note: string | null;
  }>;
  plannedCourse: { courseNumber: number | null; startDay: string } | null;
  cllTherapyEndDay: string | null;
  monitoringExtensionMonths: number;
  thyroidExtensionMonths: number;
  /** The site's current settings version and overrides; null: the defaults. */
  settingsVersion: number | null;
  settingsOverrides: MonitoringSettingsOverrides | null;
}

/** One stored result, reduced to what the schedule reads. */
export interface MonitoringResultRow {
  patientId: string;
  analyte: string;
  observedAt: Date;
  sender: string;
  status: ReceivedStatus;
  value: number | null;
}

/** What a sending lab looks like to the schedule. */
export interface LabFeedRow {
  sender: string;
  siteId: string | null;
  quietAfterMs: number;
  rhythmSource: 'configured' | 'learned' | 'default';
  rhythmLearnedFrom: { activeDays: number; percentileSilenceMs: number } | null;
  lastSeenAt: Date | null;
  holdReleasedAt: Date | null;
}

/** A feed claimed by the feed sweep, with where its alert goes. */
export interface DueLabFeedRow extends LabFeedRow {
  state: 'ok' | 'quiet' | 'unknown';
  holding: boolean;
  alertId: string | null;
  integrationCareTeamId: string | null;
  settingsOverrides: MonitoringSettingsOverrides | null;
}

/** The stored state of a patient's expectation before this evaluation. */
export interface StoredExpectationRow {
  patientId: string;
  ruleId: string;
  status: string;
  alertId: string | null;
  heldBy: string[];
  fingerprint: string | null;
}

/** An expectation state to store. */
export interface ExpectationRowInput {
  patientId: string;
  ruleId: string;
  kind: 'periodic' | 'gate' | 'reminder';
  courseNumber: number | null;
  status: string;
  severity: string;
  dueDay: string | null;
  lastReceivedDay: string | null;
  heldBy: string[];
  nextChangeAt: Date | null;
  alertId: string | null;
  explanation: ExpectationExplanation;
  settingsVersion: number | null;
  /** Digest of the fields above (the caller skips rows whose digest did not change). */
  fingerprint: string;
}

/** The sweep's bookkeeping for one patient after an evaluation. */
export interface PatientCheckInput {
  patientId: string;
  nextCheckAt: Date | null;
  settingsVersion: number | null;
  /** Expectations kept (by rule id); the patient's other expectation rows are deleted. */
  ruleIds: string[];
}

/**
 * The sweep's reads and writes: claim due patients and feeds (FOR UPDATE SKIP LOCKED on partial indexes over
 * `next_check_at`, safe with several scheduler instances), load a whole batch's context in a few set-based
 * queries, and store what was computed. Every method works inside the caller's transaction.
 */
@Injectable()
export class MonitoringSweepRepository {
  /** Claims up to `limit` patients due at `now`, oldest first; locked until the caller's transaction ends. */
  async claimDuePatients(manager: EntityManager, now: Date, limit: number): Promise<string[]> {
    const rows: Array<{ patient_id: string }> = await manager.query(
      `SELECT patient_id FROM monitoring_patients
       WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), limit],
    );
    return rows.map((r) => r.patient_id);
  }

  /** Claims these patients if they are due and free (used when a batch is retried patient by patient). */
  async claimPatients(manager: EntityManager, patientIds: readonly string[], now: Date): Promise<string[]> {
    const rows: Array<{ patient_id: string }> = await manager.query(
      `SELECT patient_id FROM monitoring_patients
       WHERE patient_id = ANY($1::uuid[]) AND next_check_at <= $2 FOR UPDATE SKIP LOCKED`,
      [patientIds, now.toISOString()],
    );
    return rows.map((r) => r.patient_id);
  }

  /** Patients, sites, plans, courses, suspensions (not withdrawn) and current site settings, in one query. */
  async loadPatients(manager: EntityManager, patientIds: readonly string[]): Promise<MonitoringPatientRow[]> {
    const rows: Array<{
      patient_id: string;
      site_id: string;
      indication: 'MS' | 'CLL';
      enrolled_at: Date;
      enrolment_ended_at: Date | null;
      time_zone: string;
      courses: MonitoringPatientRow['courses'];
      suspensions: MonitoringPatientRow['suspensions'];
      planned_course_number: number | null;
      planned_course_start_day: string | null;
      cll_therapy_end_day: string | null;
      monitoring_extension_months: number;
      thyroid_extension_months: number;
      settings_version: number | null;
      settings_overrides: MonitoringSettingsOverrides | null;
    }> = await manager.query(
      `SELECT p.id AS patient_id, p.site_id, p.indication, p.enrolled_at, p.enrolment_ended_at, s.time_zone,
              coalesce((SELECT json_agg(json_build_object('courseNumber', c.course_number,
                                                          'infusionDays', c.infusion_dates::text[])
                                        ORDER BY c.course_number)
                        FROM treatment_courses c WHERE c.patient_id = p.id), '[]'::json) AS courses,
              coalesce((SELECT json_agg(json_build_object('reason', x.reason,
                                                          'author', coalesce(u.display_name, x.author_user_id::text),
                                                          'start', x.start_day::text, 'end', x.end_day::text,
                                                          'note', x.note)
                                        ORDER BY x.start_day, x.created_at)
                        FROM monitoring_suspensions x LEFT JOIN users u ON u.id = x.author_user_id
                        WHERE x.patient_id = p.id AND x.withdrawn_at IS NULL), '[]'::json) AS suspensions,
              mp.planned_course_number, mp.planned_course_start_day::text AS planned_course_start_day,
              mp.cll_therapy_end_day::text AS cll_therapy_end_day,
              mp.monitoring_extension_months, mp.thyroid_extension_months,
              ss.version AS settings_version, ss.overrides AS settings_overrides
       FROM monitoring_patients mp
       JOIN patients p ON p.id = mp.patient_id
       JOIN sites s ON s.id = p.site_id
       LEFT JOIN LATERAL (SELECT version, overrides FROM monitoring_site_settings
                          WHERE site_id = p.site_id ORDER BY version DESC LIMIT 1) ss ON true
       WHERE mp.patient_id = ANY($1::uuid[])`,
      [patientIds],
    );
    return rows.map((r) => ({
      patientId: r.patient_id,
      siteId: r.site_id,
      indication: r.indication,
      enrolledAt: r.enrolled_at,
      enrolmentEndedAt: r.enrolment_ended_at,
      timeZone: r.time_zone,
      courses: r.courses,
      suspensions: r.suspensions,
      plannedCourse:
        r.planned_course_start_day === null
          ? null
          : { courseNumber: r.planned_course_number, startDay: r.planned_course_start_day },
      cllTherapyEndDay: r.cll_therapy_end_day,
      monitoringExtensionMonths: r.monitoring_extension_months,
      thyroidExtensionMonths: r.thyroid_extension_months,
      settingsVersion: r.settings_version,
      settingsOverrides: r.settings_overrides,
    }));
  }

  /**
   * The patients' results the schedule reads: the analytes of the rolling tests observed in [from, now] (the
   * window is longer than every threshold, so the states are exact), and every result of the rare analytes
   * (CD4, UPCR, HIV) up to now, whose history the gates and the CD4 reminder read further back. Not the whole
   * history: a patient's 48 months of monthly draws stay on disk. The patients of `wholeHistory` (recently
   * enrolled, whose backfilled results may be older than the window and still anchor their clock) get their
   * rolling-test results from before `from` too. Uses results(patient_id, analyte, observed_at).
   */
  async loadResults(
    manager: EntityManager,
    patientIds: readonly string[],
    windowAnalytes: readonly string[],
    rareAnalytes: readonly string[],
    from: Date,
    now: Date,
    wholeHistory: readonly string[] = [],
  ): Promise<MonitoringResultRow[]> {
    // Times as epoch milliseconds: a batch reads tens of thousands of rows, and parsing timestamps dominates.
    const rows: Array<{
      patient_id: string;
      analyte: string;
      observed_ms: number;
      sender: string;
      status: ReceivedStatus;
      value: number | null;
    }> = await manager.query(
      `SELECT patient_id, analyte, (extract(epoch FROM observed_at) * 1000)::float8 AS observed_ms, sender, status,
              value::float8 AS value FROM results
       WHERE patient_id = ANY($1::uuid[]) AND analyte = ANY($2::text[])
         AND observed_at >= $4 AND observed_at <= $5 AND retracted_at IS NULL
       UNION ALL
       SELECT patient_id, analyte, (extract(epoch FROM observed_at) * 1000)::float8, sender, status, value::float8 FROM results
       WHERE patient_id = ANY($1::uuid[]) AND analyte = ANY($3::text[])
         AND observed_at <= $5 AND retracted_at IS NULL
       UNION ALL
       SELECT patient_id, analyte, (extract(epoch FROM observed_at) * 1000)::float8, sender, status, value::float8 FROM results
       WHERE patient_id = ANY($6::uuid[]) AND analyte = ANY($2::text[])
         AND observed_at < $4 AND retracted_at IS NULL`,
      [patientIds, windowAnalytes, rareAnalytes, from.toISOString(), now.toISOString(), wholeHistory],
    );
    return rows.map((r) => ({
      patientId: r.patient_id,
      analyte: r.analyte,
      observedAt: new Date(r.observed_ms),
      sender: r.sender,
      status: r.status,
      value: r.value,
    }));
  }

  /** The feeds of these senders (senders never reported by the processor have none: never quiet). */
  async loadFeeds(manager: EntityManager, senders: readonly string[]): Promise<LabFeedRow[]> {
    if (senders.length === 0) return [];
    const rows: FeedSqlRow[] = await manager.query(
      `SELECT ${FEED_COLUMNS} FROM lab_feeds f WHERE f.sender = ANY($1::text[])`,
      [senders],
    );
    return rows.map(toFeed);
  }

  /**
   * Share-locks the feeds that hold this batch's alerts and returns their current state. A feed that spoke
   * (or was released) since `loadFeeds` shows a newer `lastSeenAt` / `holdReleasedAt`: the caller re-checks
   * those patients at once. The lock makes the feed sweep (FOR UPDATE SKIP LOCKED) see this batch's held rows
   * when it next releases the feed, so no release is lost between the two.
   */
  async lockHoldingFeeds(
    manager: EntityManager,
    senders: readonly string[],
  ): Promise<Array<{ sender: string; lastSeenAt: Date | null; holdReleasedAt: Date | null }>> {
    if (senders.length === 0) return [];
    const rows: Array<{ sender: string; last_seen_at: Date | null; hold_released_at: Date | null }> =
      await manager.query(
        `SELECT sender, last_seen_at, hold_released_at FROM lab_feeds
         WHERE sender = ANY($1::text[]) ORDER BY sender FOR SHARE`,
        [[...senders].sort()],
      );
    return rows.map((r) => ({
      sender: r.sender,
      lastSeenAt: r.last_seen_at,
      holdReleasedAt: r.hold_released_at,
    }));
  }

  /** Gives feeds without an owning site the site of the patients they were seen serving. */
  async learnFeedSites(
    manager: EntityManager,
    pairs: ReadonlyArray<{ sender: string; siteId: string }>,
  ): Promise<void> {
    if (pairs.length === 0) return;
    await manager.query(
      `UPDATE lab_feeds f SET site_id = u.site_id, site_source = 'learned'
       FROM unnest($1::text[], $2::text[]) AS u(sender, site_id)
       WHERE f.sender = u.sender AND f.site_id IS NULL`,
      [pairs.map((p) => p.sender), pairs.map((p) => p.siteId)],
    );
  }

  async loadExpectations(
    manager: EntityManager,
    patientIds: readonly string[],
  ): Promise<StoredExpectationRow[]> {
    const rows: Array<{
      patient_id: string;
      rule_id: string;
      status: string;
      alert_id: string | null;
      held_by: string[];
      fingerprint: string | null;
    }> = await manager.query(
      `SELECT patient_id, rule_id, status, alert_id, held_by, fingerprint FROM monitoring_expectations
       WHERE patient_id = ANY($1::uuid[])`,
      [patientIds],
    );
    return rows.map((r) => ({
      patientId: r.patient_id,
      ruleId: r.rule_id,
      status: r.status,
      alertId: r.alert_id,
      heldBy: r.held_by,
      fingerprint: r.fingerprint,
    }));
  }

  /**
   * Stores a batch's evaluations: upserts the expectation rows given (the caller leaves out those whose
   * fingerprint did not change; `status_since` is kept while the status stays), deletes rows of rules a patient
   * no longer has, and moves each patient's `next_check_at` (and `evaluated_at`).
   */
  async saveEvaluations(
    manager: EntityManager,
    expectations: readonly ExpectationRowInput[],
    patients: readonly PatientCheckInput[],
    scheduleVersion: string,
    now: Date,
  ): Promise<void> {
    const at = now.toISOString();
    if (expectations.length > 0) {
      await manager.query(
        `INSERT INTO monitoring_expectations AS e (patient_id, rule_id, kind, course_number, status, severity, due_day,
                 last_received_day, held_by, next_change_at, alert_id, explanation, evaluated_at, status_since,
                 schedule_version, settings_version, fingerprint)
         SELECT t.patient_id, t.rule_id, t.kind, t.course_number, t.status, t.severity, t.due_day, t.last_received_day,
                ARRAY(SELECT jsonb_array_elements_text(t.held_by)), t.next_change_at, t.alert_id, t.explanation,
                $14, $14, $15, t.settings_version, t.fingerprint
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::date[], $8::date[],
                     $9::jsonb[], $10::timestamptz[], $11::uuid[], $12::jsonb[], $13::int[], $16::text[])
           AS t(patient_id, rule_id, kind, course_number, status, severity, due_day, last_received_day, held_by,
                next_change_at, alert_id, explanation, settings_version, fingerprint)
         ON CONFLICT (patient_id, rule_id) DO UPDATE SET
           kind = EXCLUDED.kind, course_number = EXCLUDED.course_number, status = EXCLUDED.status,
           severity = EXCLUDED.severity, due_day = EXCLUDED.due_day, last_received_day = EXCLUDED.last_received_day,
           held_by = EXCLUDED.held_by, next_change_at = EXCLUDED.next_change_at, alert_id = EXCLUDED.alert_id,
           explanation = EXCLUDED.explanation, evaluated_at = EXCLUDED.evaluated_at,
           status_since = CASE WHEN e.status = EXCLUDED.status THEN e.status_since ELSE EXCLUDED.status_since END,
           schedule_version = EXCLUDED.schedule_version, settings_version = EXCLUDED.settings_version,
           fingerprint = EXCLUDED.fingerprint`,
        [
          expectations.map((x) => x.patientId),
          expectations.map((x) => x.ruleId),
          expectations.map((x) => x.kind),
          expectations.map((x) => x.courseNumber),
          expectations.map((x) => x.status),
          expectations.map((x) => x.severity),
          expectations.map((x) => x.dueDay),
          expectations.map((x) => x.lastReceivedDay),
          expectations.map((x) => JSON.stringify(x.heldBy)),
          expectations.map((x) => x.nextChangeAt?.toISOString() ?? null),
          expectations.map((x) => x.alertId),
          expectations.map((x) => JSON.stringify(x.explanation)),
          expectations.map((x) => x.settingsVersion),
          at,
          scheduleVersion,
          expectations.map((x) => x.fingerprint),
        ],
      );
    }
    if (patients.length === 0) return;
    await manager.query(
      `DELETE FROM monitoring_expectations e
       USING unnest($1::uuid[], $2::jsonb[]) AS k(patient_id, rule_ids)
       WHERE e.patient_id = k.patient_id AND NOT (k.rule_ids ? e.rule_id)`,
      [patients.map((p) => p.patientId), patients.map((p) => JSON.stringify(p.ruleIds))],
    );
    await manager.query(
      `UPDATE monitoring_patients m SET next_check_at = u.next_check_at, evaluated_at = $4, schedule_version = $5,
              settings_version = u.settings_version
       FROM unnest($1::uuid[], $2::timestamptz[], $3::int[]) AS u(patient_id, next_check_at, settings_version)
       WHERE m.patient_id = u.patient_id`,
      [
        patients.map((p) => p.patientId),
        patients.map((p) => p.nextCheckAt?.toISOString() ?? null),
        patients.map((p) => p.settingsVersion),
        at,
        scheduleVersion,
      ],
    );
  }

  /**
   * Makes due at once the patients last evaluated by a schedule version other than `version`: their stored
   * next checks were computed by other logic. Rows locked right now (being swept or woken) are skipped.
   */
  async wakePatientsOfOtherScheduleVersions(manager: EntityManager, version: string): Promise<number> {
    const rows = await queryRows<{ patient_id: string }>(
      manager,
      `UPDATE monitoring_patients m SET next_check_at = '-infinity'
       WHERE m.patient_id IN (
         SELECT patient_id FROM monitoring_patients
         WHERE evaluated_at IS NOT NULL AND schedule_version IS DISTINCT FROM $1
           AND next_check_at IS DISTINCT FROM '-infinity'
         FOR UPDATE SKIP LOCKED)
       RETURNING m.patient_id`,
      [version],
    );
    return rows.length;
  }

  /** Puts patients whose evaluation failed back for later, in a transaction of the caller's choosing. */
  async postpone(manager: EntityManager, patientIds: readonly string[], until: Date): Promise<void> {
    if (patientIds.length === 0) return;
    await manager.query(
      `UPDATE monitoring_patients SET next_check_at = $2 WHERE patient_id = ANY($1::uuid[])`,
      [patientIds, until.toISOString()],
    );
  }

  /** Claims up to `limit` feeds due at `now`, with their owning site's integration team and settings. */
  async claimDueFeeds(manager: EntityManager, now: Date, limit: number): Promise<DueLabFeedRow[]> {
    return this.claimFeeds(
      manager,
      `SELECT sender FROM lab_feeds WHERE next_check_at <= $1
       ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), limit],
    );
  }

  /**
   * Claims up to `limit` feeds whose open FEED-QUIET alert shows a number of held patients
   * (`explanation.feed.heldPatients`) other than the current one (`heldPatientCounts`): patient sweeps started or
   * ended holds since the feed was last swept. Feeds locked elsewhere are skipped (recounted at the next sweep).
   */
  async claimFeedsWithStaleHeldCount(manager: EntityManager, limit: number): Promise<DueLabFeedRow[]> {
    return this.claimFeeds(
      manager,
      `SELECT lf.sender FROM lab_feeds lf JOIN alerts a ON a.id = lf.alert_id AND a.state <> 'resolved'
       WHERE (a.explanation #>> '{feed,heldPatients}')::int IS DISTINCT FROM (${heldPatientsSql('lf.sender')})
       ORDER BY lf.sender LIMIT $1 FOR UPDATE OF lf SKIP LOCKED`,
      [limit],
    );
  }

  /** The feeds the subquery `senders` selects (and locks), with their owning site's team and settings. */
  private async claimFeeds(
    manager: EntityManager,
    senders: string,
    params: unknown[],
  ): Promise<DueLabFeedRow[]> {
    const rows: Array<
      FeedSqlRow & {
        state: DueLabFeedRow['state'];
        holding: boolean;
        alert_id: string | null;
        integration_care_team_id: string | null;
        settings_overrides: MonitoringSettingsOverrides | null;
      }
    > = await manager.query(
      `SELECT ${FEED_COLUMNS}, f.state, f.holding, f.alert_id, s.integration_care_team_id,
              (SELECT overrides FROM monitoring_site_settings ss WHERE ss.site_id = f.site_id
               ORDER BY version DESC LIMIT 1) AS settings_overrides
       FROM lab_feeds f LEFT JOIN sites s ON s.id = f.site_id
       WHERE f.sender IN (${senders})`,
      params,
    );
    return rows.map((r) => ({
      ...toFeed(r),
      state: r.state,
      holding: r.holding,
      alertId: r.alert_id,
      integrationCareTeamId: r.integration_care_team_id,
      settingsOverrides: r.settings_overrides,
    }));
  }

  /** Stores what the feed sweep computed for each feed. */
  async saveFeedStates(
    manager: EntityManager,
    feeds: ReadonlyArray<{
      sender: string;
      state: 'ok' | 'quiet' | 'unknown';
      quietSince: Date | null;
      holding: boolean;
      nextCheckAt: Date | null;
      alertId: string | null;
    }>,
  ): Promise<void> {
    if (feeds.length === 0) return;
    await manager.query(
      `UPDATE lab_feeds f SET state = u.state, quiet_since = u.quiet_since, holding = u.holding,
              next_check_at = u.next_check_at, alert_id = u.alert_id
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[], $5::timestamptz[], $6::uuid[])
         AS u(sender, state, quiet_since, holding, next_check_at, alert_id)
       WHERE f.sender = u.sender`,
      [
        feeds.map((f) => f.sender),
        feeds.map((f) => f.state),
        feeds.map((f) => f.quietSince?.toISOString() ?? null),
        feeds.map((f) => f.holding),
        feeds.map((f) => f.nextCheckAt?.toISOString() ?? null),
        feeds.map((f) => f.alertId),
      ],
    );
  }

  /**
   * Wakes the patients whose missed-result alerts these senders hold (the feed spoke again, a person released
   * it, or the hold ran out), or with `severity` only those held at that severity (the shorter hold of critical
   * alerts ran out). Patients being swept right now are skipped: their sweep re-checks the feed under a share
   * lock (`lockHoldingFeeds`) and wakes itself.
   */
  async wakePatientsHeldBy(
    manager: EntityManager,
    senders: readonly string[],
    severity: 'critical' | null = null,
  ): Promise<number> {
    if (senders.length === 0) return 0;
    const rows = await queryRows<{ patient_id: string }>(
      manager,
      `UPDATE monitoring_patients m SET next_check_at = '-infinity'
       WHERE m.patient_id IN (
         SELECT mp.patient_id FROM monitoring_patients mp
         WHERE EXISTS (SELECT 1 FROM monitoring_expectations e
                       WHERE e.patient_id = mp.patient_id AND e.status = 'held' AND e.held_by && $1::text[]
                         AND ($2::text IS NULL OR e.severity = $2::text))
         FOR UPDATE OF mp SKIP LOCKED)
       RETURNING m.patient_id`,
      [senders, severity],
    );
    return rows.length;
  }

  /**
   * How many patients have a missed-result alert held by each of these senders (expectations with status
   * `held` whose `held_by` names the sender; the partial GIN index on held_by). Senders holding none: 0.
   */
  async heldPatientCounts(manager: EntityManager, senders: readonly string[]): Promise<Map<string, number>> {
    if (senders.length === 0) return new Map();
    const rows: Array<{ sender: string; held: number }> = await manager.query(
      `SELECT s.sender, (${heldPatientsSql('s.sender')}) AS held FROM unnest($1::text[]) AS s(sender)`,
      [senders],
    );
    return new Map(rows.map((r) => [r.sender, r.held]));
  }

  /** Non-configured feeds whose rhythm was learned before `staleBefore` (or never), locked for relearning. */
  async claimFeedsToLearn(
    manager: EntityManager,
    staleBefore: Date,
    limit: number,
  ): Promise<
    Array<{ sender: string; siteId: string | null; settingsOverrides: MonitoringSettingsOverrides | null }>
  > {
    const rows: Array<{
      sender: string;
      site_id: string | null;
      settings_overrides: MonitoringSettingsOverrides | null;
    }> = await manager.query(
      `SELECT f.sender, f.site_id, (SELECT overrides FROM monitoring_site_settings ss WHERE ss.site_id = f.site_id
                           ORDER BY version DESC LIMIT 1) AS settings_overrides
         FROM lab_feeds f
         WHERE f.sender IN (SELECT sender FROM lab_feeds
                            WHERE rhythm_source <> 'configured' AND (rhythm_learned_at IS NULL OR rhythm_learned_at < $1)
                            ORDER BY sender LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [staleBefore.toISOString(), limit],
    );
    return rows.map((r) => ({
      sender: r.sender,
      siteId: r.site_id,
      settingsOverrides: r.settings_overrides,
    }));
  }

  /** Per-day longest silences of these feeds on days in [fromDay, toDay] (UTC days). */
  async feedSilences(
    manager: EntityManager,
    senders: readonly string[],
    fromDay: string,
    toDay: string,
  ): Promise<Map<string, Array<{ day: string; ms: number }>>> {
    const rows: Array<{ sender: string; day: string; longest_silence_ms: string }> = await manager.query(
      `SELECT sender, day::text AS day, longest_silence_ms FROM lab_feed_silences
       WHERE sender = ANY($1::text[]) AND day >= $2::date AND day <= $3::date`,
      [senders, fromDay, toDay],
    );
    const out = new Map<string, Array<{ day: string; ms: number }>>(senders.map((s) => [s, []]));
    for (const r of rows) out.get(r.sender)?.push({ day: r.day, ms: Number(r.longest_silence_ms) });
    return out;
  }

  /** Stores learned rhythms; each feed is then re-checked at once against its new threshold. */
  async saveFeedRhythms(
    manager: EntityManager,
    rhythms: ReadonlyArray<{
      sender: string;
      quietAfterMs: number;
      source: 'learned' | 'default';
      learnedFrom: { activeDays: number; percentileSilenceMs: number } | null;
    }>,
    now: Date,
    pruneBeforeDay: string,
  ): Promise<void> {
    if (rhythms.length === 0) return;
    await manager.query(
      `UPDATE lab_feeds f SET quiet_after_ms = u.quiet_after_ms, rhythm_source = u.source,
              rhythm_learned_from = u.learned_from, rhythm_learned_at = $5,
              next_check_at = LEAST(coalesce(f.next_check_at, 'infinity'), $5)
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[]) AS u(sender, quiet_after_ms, source, learned_from)
       WHERE f.sender = u.sender AND f.rhythm_source <> 'configured'`,
      [
        rhythms.map((r) => r.sender),
        rhythms.map((r) => Math.round(r.quietAfterMs)),
        rhythms.map((r) => r.source),
        rhythms.map((r) => (r.learnedFrom ? JSON.stringify(r.learnedFrom) : null)),
        now.toISOString(),
      ],
    );
    await manager.query(`DELETE FROM lab_feed_silences WHERE sender = ANY($1::text[]) AND day < $2::date`, [
      rhythms.map((r) => r.sender),
      pruneBeforeDay,
    ]);
  }

  /** Expectations by status (the gauge), and quiet feeds. */
  async counts(
    manager: EntityManager,
  ): Promise<{ expectationsByStatus: Map<string, number>; quietFeeds: number; holdingFeeds: number }> {
    const byStatus: Array<{ status: string; n: number }> = await manager.query(
      `SELECT status, count(*)::int AS n FROM monitoring_expectations GROUP BY status`,
    );
    const [feeds]: Array<{ quiet: number; holding: number }> = await manager.query(
      `SELECT count(*) FILTER (WHERE state = 'quiet')::int AS quiet, count(*) FILTER (WHERE holding)::int AS holding
       FROM lab_feeds`,
    );
    return {
      expectationsByStatus: new Map(byStatus.map((r) => [r.status, r.n])),
      quietFeeds: feeds?.quiet ?? 0,
      holdingFeeds: feeds?.holding ?? 0,
    };
  }
}

interface FeedSqlRow {
  sender: string;
  site_id: string | null;
  quiet_after_ms: string;
  rhythm_source: LabFeedRow['rhythmSource'];
  rhythm_learned_from: LabFeedRow['rhythmLearnedFrom'];
  last_seen_at: Date | null;
  hold_released_at: Date | null;
}

/** The number of patients with an expectation held by `sender` (an SQL expression naming the sender). */
const heldPatientsSql = (sender: string) =>
  `SELECT count(DISTINCT e.patient_id)::int FROM monitoring_expectations e
   WHERE e.status = 'held' AND e.held_by @> ARRAY[${sender}]`;

const FEED_COLUMNS = `f.sender, f.site_id, f.quiet_after_ms, f.rhythm_source, f.rhythm_learned_from, f.last_seen_at,
  f.hold_released_at`;

function toFeed(r: FeedSqlRow): LabFeedRow {
  return {
    sender: r.sender,
    siteId: r.site_id,
    quietAfterMs: Number(r.quiet_after_ms),
    rhythmSource: r.rhythm_source,
    rhythmLearnedFrom: r.rhythm_learned_from,
    lastSeenAt: r.last_seen_at,
    holdReleasedAt: r.hold_released_at,
  };
}
