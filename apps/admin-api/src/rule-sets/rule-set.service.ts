import { Injectable } from '@nestjs/common';
import { type RuleOverride, type RuleSet, RuleSetError, siteOverrideLabel } from '@alem/clinical';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { CareTeamRepository } from '../care-teams/care-team.repository';
import { AuditedTransactions } from '../common/audited-transaction';
import { type CsvColumn } from '../common/csv';
import { InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { type RequestActor, userOf } from '../common/request-actor';
import {
  type CreateRuleOverridesDto,
  type EffectiveRuleSetView,
  type RuleOverrideQueryDto,
  type RuleOverrideVersionView,
  type RuleSetView,
} from './rule-set.dto';
import { overrideIssues, ruleSetView } from './rule-set.view';
import { type Indication, type OverrideRow, RuleOverrideRepository } from './rule-set.repository';
import { SiteRuleSetService } from './site-rule-set.service';

export const RULE_OVERRIDE_CSV_COLUMNS: CsvColumn<RuleOverrideVersionView>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'site_id', value: (r) => r.siteId },
  { header: 'indication', value: (r) => r.indication },
  { header: 'version', value: (r) => r.version },
  { header: 'rule_set_version', value: (r) => r.ruleSetVersion },
  { header: 'reason', value: (r) => r.reason },
  { header: 'created_by', value: (r) => r.createdBy },
  { header: 'created_at', value: (r) => r.createdAt },
  { header: 'overrides', value: (r) => r.overrides },
];

/**
 * The rule sets: the shipped MS and CLL sets, and each site's versioned overrides of them. A new version is
 * validated by applying it to the shipped set exactly as the result processor will (same site label), stored as
 * the next version in one transaction with its audit row (before and after), and picked up by the processor
 * through NOTIFY rule_overrides_changed when the transaction commits.
 */
@Injectable()
export class RuleSetService {
  constructor(
    private readonly siteRuleSets: SiteRuleSetService,
    private readonly overrides: RuleOverrideRepository,
    private readonly sites: CareTeamRepository,
    private readonly dataSource: DataSource,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  shippedSets(): { items: RuleSetView[] } {
    const { MS, CLL } = this.siteRuleSets.shipped;
    return { items: [ruleSetView(MS), ruleSetView(CLL)] };
  }

  /** The set the processor grades this site's patients of this indication with: shipped + latest overrides. */
  async effective(siteId: string, indication: Indication): Promise<EffectiveRuleSetView> {
    const m = this.dataSource.manager;
    await this.requireSite(m, siteId);
    const latest = await this.overrides.latest(m, siteId, indication);
    const base = this.siteRuleSets.shipped[indication];
    if (!latest) {
      return {
        siteId,
        indication,
        version: base.version,
        baseVersion: base.version,
        override: null,
        problems: [],
        ruleSet: ruleSetView(base),
      };
    }
    const override = this.toView(latest);
    let ruleSet: RuleSet | null = null;
    let problems: string[] = [];
    try {
      ruleSet = this.siteRuleSets.apply(latest.site_id, indication, latest.version, latest.overrides);
    } catch (error) {
      if (!(error instanceof RuleSetError)) throw error;
      problems = [...error.issues];
    }
    return {
      siteId,
      indication,
      version: override.ruleSetVersion,
      baseVersion: base.version,
      override,
      problems,
      ruleSet: ruleSet ? ruleSetView(ruleSet) : null,
    };
  }

  /** Every override version of the site, newest first. */
  async history(
    siteId: string,
    query: RuleOverrideQueryDto,
    format: ListFormat,
  ): Promise<Page<RuleOverrideVersionView>> {
    const limit = pageLimit(query, format);
    const m = this.dataSource.manager;
    await this.requireSite(m, siteId);
    const { total, rows } = await this.overrides.history(m, siteId, query, limit);
    return { items: rows.map((r) => this.toView(r)), total, limit, offset: query.offset };
  }

  /**
   * Stores the next override version of the site and indication. Refused (400, every problem listed, nothing
   * stored) when the overrides do not apply to the shipped set.
   */
  async create(
    actor: RequestActor,
    siteId: string,
    input: CreateRuleOverridesDto,
  ): Promise<RuleOverrideVersionView> {
    const user = userOf(actor);
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      await this.requireSite(m, siteId);
      await this.overrides.lockVersions(m, siteId, input.indication);
      const previous = await this.overrides.latest(m, siteId, input.indication);
      const version = (previous?.version ?? 0) + 1;
      const overrides = input.overrides as RuleOverride[];
      try {
        this.siteRuleSets.apply(siteId, input.indication, version, overrides);
      } catch (error) {
        if (!(error instanceof RuleSetError)) throw error;
        throw new InvalidInputError(
          `The overrides do not apply to ${this.siteRuleSets.shipped[input.indication].version}`,
          overrideIssues(error.issues, overrides),
        );
      }
      const row = await this.overrides.insert(m, {
        siteId,
        indication: input.indication,
        version,
        overrides,
        reason: input.reason,
        by: user.userId,
        at: this.clock.now(),
      });
      const after = this.toView(row);
      const state = (v: RuleOverrideVersionView | null) =>
        v && {
          version: v.version,
          ruleSetVersion: v.ruleSetVersion,
          overrides: v.overrides,
          reason: v.reason,
        };
      trail.record({
        action: 'rule-overrides.create',
        entityType: 'rule-overrides',
        entityId: after.id,
        detail: {
          siteId,
          indication: input.indication,
          before: state(previous ? this.toView(previous) : null),
          after: state(after),
        },
      });
      return after;
    });
  }

  private toView(r: OverrideRow): RuleOverrideVersionView {
    const siteLabel = siteOverrideLabel(r.site_id, r.version);
    return {
      id: r.id,
      siteId: r.site_id,
      indication: r.indication,
      version: r.version,
      siteLabel,
      ruleSetVersion: `${this.siteRuleSets.shipped[r.indication].version}+${siteLabel}`,
      overrides: r.overrides,
      reason: r.reason,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
    };
  }

  private async requireSite(m: EntityManager, siteId: string): Promise<void> {
    if (!(await this.sites.siteExists(m, siteId))) throw new NotFoundError('Site');
  }
}
