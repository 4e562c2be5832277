import { type NestExpressApplication } from '@nestjs/platform-express';
import { type DataSource } from 'typeorm';
import {
  AlertLedger,
  DeliveryRepository,
  enrolPatient,
  EscalationRepository,
  NotificationRepository,
  seedCareTeam,
  seedSite,
  type SeedMember,
} from '@alem/persistence';
import { type AppConfig, type Clock } from '@alem/runtime';
import { DeliveryService } from '../../apps/notifier/src/delivery.service';
import { DispatchService } from '../../apps/notifier/src/dispatch.service';
import { EscalationService } from '../../apps/notifier/src/escalation.service';
import { EscalationSweeper, type SweepReport } from '../../apps/notifier/src/escalation.sweeper';
import { createNotifierApp, listenNotifier } from '../../apps/notifier/src/notifier.app';
import { type RelaySettings } from '../../apps/notifier/src/outbox-relay';

/** Helpers for the notifier's tests: the notifier as an HTTP app, its services on a data source, people and teams. */

/** The notifier's transactional services over one data source, wired as the notifier module wires them. */
export function notifierServices(ds: DataSource): {
  delivery: DeliveryService;
  dispatch: DispatchService;
  escalation: EscalationService;
} {
  const ledger = new AlertLedger();
  const escalation = new EscalationService(ds, new EscalationRepository(), ledger);
  return {
    delivery: new DeliveryService(ds, new DeliveryRepository(ds), ledger, escalation),
    dispatch: new DispatchService(ds, new NotificationRepository(ds, ledger), escalation, ledger),
    escalation,
  };
}

export interface RunningNotifier {
  app: NestExpressApplication;
  port: number;
  /** One escalation sweep (timers, SMS receipt timeouts, digests), as the timer would run it. */
  sweep(): Promise<SweepReport>;
  close(): Promise<void>;
}

/** The notifier serving HTTP on a free port of 127.0.0.1 (SMS receipts come back to it). */
export async function startNotifierHttp(
  config: AppConfig,
  clock?: Clock,
  relay?: Partial<RelaySettings>,
): Promise<RunningNotifier> {
  const app = await createNotifierApp({ config, clock, relay }, { logger: ['error'] });
  const port = await listenNotifier(app, 0, '127.0.0.1');
  const sweeper = app.get(EscalationSweeper);
  return { app, port, sweep: () => sweeper.sweep(), close: () => app.close() };
}

/** Rows of a query, typed loosely. */
export const rowsOf = <T = Record<string, unknown>>(ds: DataSource, sql: string, params: unknown[] = []) =>
  ds.query(sql, params) as Promise<T[]>;

export interface Person {
  userId: string;
  email: string;
}

/** A care team at a site with members (contacts verified unless said otherwise); returns people by email. */
export async function seedTeam(
  ds: DataSource,
  siteId: string,
  name: string,
  members: SeedMember[],
): Promise<{ careTeamId: string; people: Record<string, Person> }> {
  const team = await seedCareTeam(ds, { siteId, name, members });
  const people: Record<string, Person> = {};
  for (const m of team.members) people[m.email] = m;
  return { careTeamId: team.careTeamId, people };
}

export async function seedPragueSite(ds: DataSource, siteId: string): Promise<void> {
  await seedSite(ds, { id: siteId, name: `Site ${siteId}`, timeZone: 'Europe/Prague' });
}

/** An enrolled MS patient of the team, with identifiers and a first course. */
export async function enrol(
  ds: DataSource,
  siteId: string,
  careTeamId: string,
  mrn: string,
  displayName = 'Jana Nováková',
): Promise<string> {
  return enrolPatient(ds, {
    siteId,
    careTeamId,
    indication: 'MS',
    identifiers: [{ authority: 'HOSP', identifier: mrn }],
    displayName,
    birthDate: '1984-05-17',
    sex: 'female',
    courses: [{ courseNumber: 1, infusionDays: ['2025-09-01', '2025-09-02', '2025-09-03'] }],
  });
}

export async function setOnDuty(ds: DataSource, careTeamId: string, userIds: string[]): Promise<void> {
  await ds.query(
    `UPDATE care_team_members SET on_duty = (user_id = ANY($2::uuid[])) WHERE care_team_id = $1`,
    [careTeamId, userIds],
  );
}

export { freePort } from '@alem/local-stack';
