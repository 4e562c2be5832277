import { randomBytes } from 'node:crypto';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DateTime } from 'luxon';
import { type DataSource } from 'typeorm';
import { addDays, type AnalyteId, analyteById } from '@alem/clinical';
import {
  AlertLedger,
  AuditRepository,
  type AuditActor,
  enrolPatient,
  MonitoringRepository,
  seedCareTeam,
  seedSite,
  type SeededTeam,
} from '@alem/persistence';
import { type AppConfig, type Clock } from '@alem/runtime';
import { MonitoringSchedulerModule } from '../../apps/monitoring-scheduler/src/monitoring-scheduler.module';
import {
  MonitoringSweepService,
  type SweepReport,
} from '../../apps/monitoring-scheduler/src/monitoring-sweep.service';
import { type SchedulerSettings } from '../../apps/monitoring-scheduler/src/scheduler-settings';

/** Helpers for the monitoring scheduler's tests: patients, results as rows, and a scheduler on a manual clock. */

export const TZ = 'Europe/Prague';
export const SENDER = 'LIS^CENTRAL-LAB';

/** The instant of a wall-clock time on a day in a zone (default 09:00 in Prague). */
export function at(day: string, time = '09:00', zone = TZ): Date {
  return DateTime.fromISO(`${day}T${time}`, { zone }).toJSDate();
}

export const CBC: AnalyteId[] = ['platelets', 'haemoglobin', 'wbc', 'neutrophils', 'lymphocytes'];
export const MONTHLY: AnalyteId[] = [
  ...CBC,
  'creatinine',
  'urine-rbc',
  'urine-protein-dipstick',
  'urine-blood-dipstick',
  'alt',
  'bilirubin',
];
export const THYROID: AnalyteId[] = ['tsh', 'ft4'];
export const BASELINE: AnalyteId[] = [...MONTHLY, ...THYROID, 'upcr', 'hiv-screen'];

/** A scheduler app on the test's database and clock, without its timer: tests call `sweep()`. */
export async function startScheduler(
  config: AppConfig,
  clock: Clock,
  scheduler: Partial<SchedulerSettings> = {},
): Promise<{
  app: INestApplicationContext;
  sweep: () => Promise<SweepReport>;
  service: MonitoringSweepService;
}> {
  const app = await NestFactory.createApplicationContext(
    MonitoringSchedulerModule.forRoot({ config, clock, scheduler: { sweepIntervalMs: 0, ...scheduler } }),
    { logger: ['error', 'warn'] },
  );
  await app.init();
  const service = app.get(MonitoringSweepService);
  return { app, service, sweep: () => service.sweep() };
}

/** The repository as the processor and the admin API use it (plain construction, the test's pool). */
export function monitoringRepository(ds: DataSource): MonitoringRepository {
  return new MonitoringRepository(ds, new AuditRepository(ds), new AlertLedger());
}

export interface MonitoringSite {
  siteId: string;
  team: SeededTeam;
  /** The site's integration owners (FEED-QUIET alerts). */
  integration: SeededTeam;
}

/** A Prague site with a clinical team of two and an integration team of one, all with verified email. */
export async function seedMonitoringSite(ds: DataSource, siteId = 'site-mon'): Promise<MonitoringSite> {
  await seedSite(ds, { id: siteId, name: 'MS Centre', timeZone: TZ });
  const team = await seedCareTeam(ds, {
    siteId,
    name: 'MS team',
    members: [
      { email: `neurologist@${siteId}.test`, displayName: 'Dr. Eva Svobodová', role: 'clinician' },
      { email: `ms-nurse@${siteId}.test`, displayName: 'Petr Dvořák', role: 'nurse' },
    ],
  });
  const integration = await seedCareTeam(ds, {
    siteId,
    name: 'Lab interfaces',
    members: [{ email: `interfaces@${siteId}.test`, displayName: 'Interface desk', role: 'integration' }],
  });
  await ds.query(`UPDATE sites SET integration_care_team_id = $2 WHERE id = $1`, [
    siteId,
    integration.careTeamId,
  ]);
  return { siteId, team, integration };
}

/** Enrols an MS patient with the given courses (infusion days), enrolled on `enrolledOn` (site zone). */
export async function enrolMsPatient(
  ds: DataSource,
  site: MonitoringSite,
  courses: string[][],
  enrolledOn: string,
  identifier = `MRN-${randomBytes(4).toString('hex')}`,
): Promise<string> {
  const patientId = await enrolPatient(ds, {
    siteId: site.siteId,
    careTeamId: site.team.careTeamId,
    indication: 'MS',
    identifiers: [{ authority: 'HOSP', identifier }],
    courses: courses.map((infusionDays, i) => ({ courseNumber: i + 1, infusionDays })),
  });
  await ds.query(`UPDATE patients SET enrolled_at = $2 WHERE id = $1`, [patientId, at(enrolledOn, '08:00')]);
  return patientId;
}

/** Infusion days of a course: `days` consecutive days from `first`. */
export function infusions(first: string, days: number): string[] {
  return Array.from({ length: days }, (_, i) => addDays(first, i));
}

let sequence = 0;

/**
 * Stores results as the processor would (one row per analyte, observed at `time` on `day` in the site zone,
 * received two hours later) and wakes the patient's sweep unit in the same transaction, exactly as the
 * processor's batch does (`MonitoringRepository.markResultsArrived`, the same statement as the processor's
 * `ResultRepository.store` folds in).
 */
export async function storeResults(
  ds: DataSource,
  patientId: string,
  day: string,
  analytes: readonly AnalyteId[],
  options: { sender?: string; time?: string; status?: string; value?: number | null; receivedAt?: Date } = {},
): Promise<void> {
  const observedAt = at(day, options.time ?? '09:00');
  const receivedAt = options.receivedAt ?? new Date(observedAt.getTime() + 2 * 3_600_000);
  const sender = options.sender ?? SENDER;
  const monitoring = monitoringRepository(ds);
  await ds.transaction(async (m) => {
    for (const analyte of analytes) {
      sequence++;
      const code = analyteById(analyte).loinc[0] ?? `LOCAL-${analyte}`;
      await m.query(
        `INSERT INTO results (idempotency_key, observation_key, patient_id, sender, message_control_id, code, code_system,
                              loinc, analyte, value_type, value, status, quality, observed_at, received_at)
         VALUES ($1, $1, $2, $3, $4, $5, 'LN', $5, $6, 'NM', $7, $8, 'ok', $9, $10)`,
        [
          `test-${sequence}-${randomBytes(3).toString('hex')}`,
          patientId,
          sender,
          `MSG-${sequence}`,
          code,
          analyte,
          options.value ?? (analyte === 'cd4' ? 450 : 1),
          options.status ?? 'final',
          observedAt.toISOString(),
          receivedAt.toISOString(),
        ],
      );
    }
    await monitoring.markResultsArrived(m, [patientId]);
  });
}

export const SYSTEM_TEST_ACTOR: AuditActor = { type: 'system', id: 'test', label: 'test' };

/** A user who records suspensions (a clinician of the site's team). */
export function userActor(team: SeededTeam): AuditActor {
  const member = team.members[0]!;
  return { type: 'user', id: member.userId, label: member.email };
}

export interface AlertRow {
  id: string;
  reference: string;
  rule_id: string;
  kind: string;
  severity: string;
  state: string;
  dedup_key: string;
  resolution_reason: string | null;
  patient_id: string | null;
}

export async function alertsOf(ds: DataSource, patientId: string): Promise<AlertRow[]> {
  return ds.query(
    `SELECT id, reference, rule_id, kind, severity, state, dedup_key, resolution_reason, patient_id
     FROM alerts WHERE patient_id = $1 ORDER BY rule_id, opened_at`,
    [patientId],
  );
}

export async function expectationOf(
  ds: DataSource,
  patientId: string,
  ruleId: string,
): Promise<{ status: string; severity: string; held_by: string[]; explanation: Record<string, unknown> }> {
  const [row] = await ds.query(
    `SELECT status, severity, held_by, explanation FROM monitoring_expectations WHERE patient_id = $1 AND rule_id = $2`,
    [patientId, ruleId],
  );
  return row;
}

export async function notificationsOf(
  ds: DataSource,
  alertId: string,
): Promise<Array<{ id: string; reason: string; severity: string }>> {
  return ds.query(
    `SELECT id, reason, severity FROM notifications WHERE alert_id = $1 ORDER BY created_at, severity`,
    [alertId],
  );
}

export async function timelineOf(
  ds: DataSource,
  alertId: string,
): Promise<Array<{ type: string; detail: Record<string, unknown> }>> {
  return ds.query(`SELECT type, detail FROM alert_events WHERE alert_id = $1 ORDER BY id`, [alertId]);
}
