import { Injectable } from '@nestjs/common';
import { type EscalationPolicyDefinition, parseEscalationPolicy } from '@alem/notifications';
import { AuditRepository, type AuditEntry, queryRows } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { InvalidInputError, NotFoundError } from '../common/domain.errors';
import { auditActorOf, type RequestActor, userOf } from '../common/request-actor';
import { type PolicyOverviewView, type PolicyVersionView } from './escalation-policy.dto';

interface PolicyRow {
  id: string;
  care_team_id: string | null;
  version: number;
  definition: unknown;
  note: string | null;
  created_at: Date;
  created_by: string | null;
}

const toView = (r: PolicyRow): PolicyVersionView => ({
  id: r.id,
  careTeamId: r.care_team_id,
  version: r.version,
  definition: r.definition,
  effective: parseEscalationPolicy(r.definition),
  note: r.note,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
});

/**
 * Escalation policies, versioned (a change is a new version; alerts keep the version they opened with), and who
 * of a team is on duty (the first tier of the default policy).
 */
@Injectable()
export class EscalationPolicyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'configuration', ...entry };
  }

  /** The team's policy in force (its own, else the default) and its versions; `teamId` null: the default. */
  async overview(teamId: string | null): Promise<PolicyOverviewView> {
    const m = this.dataSource.manager;
    if (teamId) await this.team(m, teamId);
    const versions = await queryRows<PolicyRow>(
      m,
      `SELECT * FROM escalation_policies WHERE care_team_id IS NOT DISTINCT FROM $1 ORDER BY version DESC`,
      [teamId],
    );
    const [inForce] = await queryRows<PolicyRow>(
      m,
      `SELECT * FROM escalation_policies WHERE id = escalation_policy_in_force($1)`,
      [teamId],
    );
    const onDuty = teamId
      ? await queryRows<{ user_id: string }>(
          m,
          `SELECT user_id FROM care_team_members WHERE care_team_id = $1 AND on_duty ORDER BY user_id`,
          [teamId],
        )
      : [];
    return {
      inForce: toView(inForce!),
      versions: versions.map(toView),
      onDuty: onDuty.map((r) => r.user_id),
    };
  }

  /** A new version for the team (or the default, `teamId` null); alerts already open keep theirs. */
  async newVersion(
    actor: RequestActor,
    teamId: string | null,
    input: EscalationPolicyDefinition & { note?: string },
  ): Promise<PolicyVersionView> {
    const user = userOf(actor);
    const { note, ...definition } = input;
    return this.dataSource.transaction(async (m) => {
      if (teamId) await this.team(m, teamId, true);
      for (const [i, tier] of definition.tiers.entries()) {
        for (const target of tier.targets) {
          if (target.type !== 'user') continue;
          const found = await queryRows(m, `SELECT 1 FROM users WHERE id = $1 AND active`, [target.userId]);
          if (found.length === 0) {
            throw new InvalidInputError('A tier names a person who does not exist or is inactive', [
              { path: `body.tiers.${i}.targets`, message: 'unknown or inactive user' },
            ]);
          }
        }
      }
      // Versions of one scope are numbered under a lock on the scope, so two admins cannot both write version n.
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
        `escalation-policy|${teamId ?? 'default'}`,
      ]);
      const [row] = await queryRows<PolicyRow>(
        m,
        `INSERT INTO escalation_policies (care_team_id, version, definition, note, created_at, created_by)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5
         FROM escalation_policies WHERE care_team_id IS NOT DISTINCT FROM $1
         RETURNING *`,
        [teamId, JSON.stringify(definition), note ?? null, this.clock.now().toISOString(), user.userId],
      );
      const after = toView(row!);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'escalation-policy.create',
          entityType: 'escalation-policy',
          entityId: after.id,
          detail: { careTeamId: teamId, version: after.version, after: definition },
        }),
      ]);
      return after;
    });
  }

  /** Sets who of the team is on duty (the others are off duty); audited with before and after. */
  async setOnDuty(
    actor: RequestActor,
    teamId: string,
    userIds: readonly string[],
  ): Promise<PolicyOverviewView> {
    await this.dataSource.transaction(async (m) => {
      await this.team(m, teamId, true);
      const members = await queryRows<{ user_id: string; on_duty: boolean }>(
        m,
        `SELECT user_id, on_duty FROM care_team_members WHERE care_team_id = $1 ORDER BY user_id FOR UPDATE`,
        [teamId],
      );
      const unknown = userIds.filter((id) => !members.some((mb) => mb.user_id === id));
      if (unknown.length > 0) {
        throw new InvalidInputError('Only members of the team can be on duty', [
          { path: 'body.userIds', message: `not members: ${unknown.length}` },
        ]);
      }
      await m.query(
        `UPDATE care_team_members SET on_duty = (user_id = ANY($2::uuid[])) WHERE care_team_id = $1`,
        [teamId, [...userIds]],
      );
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'care-team.on-duty',
          entityType: 'care-team',
          entityId: teamId,
          detail: {
            before: members.filter((mb) => mb.on_duty).map((mb) => mb.user_id),
            after: [...new Set(userIds)].sort(),
          },
        }),
      ]);
    });
    return this.overview(teamId);
  }

  private async team(m: EntityManager, id: string, lock = false): Promise<void> {
    const rows = await queryRows(m, `SELECT 1 FROM care_teams WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    if (rows.length === 0) throw new NotFoundError('Care team');
  }
}
