import { Injectable } from '@nestjs/common';
import { type EscalationPolicyDefinition, parseEscalationPolicy } from '@alem/notifications';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { CareTeamRepository } from '../care-teams/care-team.repository';
import { AuditedTransactions } from '../common/audited-transaction';
import { InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type RequestActor, userOf } from '../common/request-actor';
import { type PolicyOverviewView, type PolicyVersionView } from './escalation-policy.dto';
import { EscalationPolicyRepository, type PolicyRow } from './escalation-policy.repository';

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
    private readonly policies: EscalationPolicyRepository,
    private readonly teams: CareTeamRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  /** The team's policy in force (its own, else the default) and its versions; `teamId` null: the default. */
  async overview(teamId: string | null): Promise<PolicyOverviewView> {
    const m = this.dataSource.manager;
    if (teamId) await this.team(m, teamId);
    const versions = await this.policies.versions(m, teamId);
    const inForce = await this.policies.inForce(m, teamId);
    const onDuty = teamId ? await this.policies.onDuty(m, teamId) : [];
    return { inForce: toView(inForce!), versions: versions.map(toView), onDuty };
  }

  /** A new version for the team (or the default, `teamId` null); alerts already open keep theirs. */
  async newVersion(
    actor: RequestActor,
    teamId: string | null,
    input: EscalationPolicyDefinition & { note?: string },
  ): Promise<PolicyVersionView> {
    const user = userOf(actor);
    const { note, ...definition } = input;
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      if (teamId) await this.team(m, teamId, true);
      for (const [i, tier] of definition.tiers.entries()) {
        for (const target of tier.targets) {
          if (target.type !== 'user') continue;
          if (!(await this.policies.activeUserExists(m, target.userId))) {
            throw new InvalidInputError('A tier names a person who does not exist or is inactive', [
              { path: `body.tiers.${i}.targets`, message: 'unknown or inactive user' },
            ]);
          }
        }
      }
      const row = await this.policies.insertNextVersion(m, teamId, {
        definition,
        note: note ?? null,
        at: this.clock.now(),
        by: user.userId,
      });
      const after = toView(row);
      trail.record({
        action: 'escalation-policy.create',
        entityType: 'escalation-policy',
        entityId: after.id,
        detail: { careTeamId: teamId, version: after.version, after: definition },
      });
      return after;
    });
  }

  /** Sets who of the team is on duty (the others are off duty); audited with before and after. */
  async setOnDuty(
    actor: RequestActor,
    teamId: string,
    userIds: readonly string[],
  ): Promise<PolicyOverviewView> {
    await this.audited.run(actor, 'configuration', async (m, trail) => {
      await this.team(m, teamId, true);
      const members = await this.policies.lockMembers(m, teamId);
      const unknown = userIds.filter((id) => !members.some((mb) => mb.user_id === id));
      if (unknown.length > 0) {
        throw new InvalidInputError('Only members of the team can be on duty', [
          { path: 'body.userIds', message: `not members: ${unknown.length}` },
        ]);
      }
      await this.policies.setOnDuty(m, teamId, userIds);
      trail.record({
        action: 'care-team.on-duty',
        entityType: 'care-team',
        entityId: teamId,
        detail: {
          before: members.filter((mb) => mb.on_duty).map((mb) => mb.user_id),
          after: [...new Set(userIds)].sort(),
        },
      });
    });
    return this.overview(teamId);
  }

  private async team(m: EntityManager, id: string, lock = false): Promise<void> {
    if (!(await this.teams.teamExists(m, id, lock))) throw new NotFoundError('Care team');
  }
}
