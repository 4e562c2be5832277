import { Injectable } from '@nestjs/common';
import { type RuleOverride, type RuleSet, RuleSetError, siteOverrideLabel } from '@alem/clinical';
import { AuditRepository, type AuditEntry } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { type CsvColumn } from '../common/csv';
import { InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor, userOf } from '../common/request-actor';
import { SqlBuilder } from '../common/sql-builder';
import {
  type CreateRuleOverridesDto,
  type EffectiveRuleSetView,
  type RuleOverrideQueryDto,
  type RuleOverrideVersionView,
  type RuleSetView,
} from './rule-set.dto';
import { overrideIssues, ruleSetView } from './rule-set.view';
import {
  type Indication,
  OVERRIDE_COLUMNS,
  type OverrideRow,
  SiteRuleSetService,
} from './site-rule-set.service';

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
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'configuration', ...entry };
  }

  shippedSets(): { items: RuleSetView[] } {
    const { MS, CLL } = this.siteRuleSets.shipped;
    return { items: [ruleSetView(MS), ruleSetView(CLL)] };
  }

  /** The set the processor grades this site's patients of this indication with: shipped + latest overrides. */
  async effective(siteId: string, indication: Indication): Promise<EffectiveRuleSetView> {
    const m = this.dataSource.manager;
    await this.requireSite(m, siteId);
    const latest = await this.siteRuleSets.latest(m, siteId, indication);
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
    const sql = new SqlBuilder();
    sql.where(`site_id = ${sql.p(siteId)}`).whereEquals('indication', query.indication);
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total FROM rule_overrides ${sql.whereSql()}`,
      sql.params,
    );
    const rows: OverrideRow[] = await m.query(
      `SELECT ${OVERRIDE_COLUMNS} FROM rule_overrides ${sql.whereSql()}
       ORDER BY rule_overrides.created_at DESC, rule_overrides.id DESC
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
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
    return this.dataSource.transaction(async (m) => {
      await this.requireSite(m, siteId);
      // Versions of one site and indication are numbered under a lock, so two admins cannot both write version n.
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
        `rule-overrides|${siteId}|${input.indication}`,
      ]);
      const previous = await this.siteRuleSets.latest(m, siteId, input.indication);
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
      const [row]: OverrideRow[] = await m.query(
        `INSERT INTO rule_overrides (site_id, indication, version, overrides, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${OVERRIDE_COLUMNS}`,
        [
          siteId,
          input.indication,
          version,
          JSON.stringify(overrides),
          input.reason,
          user.userId,
          this.clock.now().toISOString(),
        ],
      );
      const after = this.toView(row!);
      const state = (v: RuleOverrideVersionView | null) =>
        v && {
          version: v.version,
          ruleSetVersion: v.ruleSetVersion,
          overrides: v.overrides,
          reason: v.reason,
        };
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'rule-overrides.create',
          entityType: 'rule-overrides',
          entityId: after.id,
          detail: {
            siteId,
            indication: input.indication,
            before: state(previous ? this.toView(previous) : null),
            after: state(after),
          },
        }),
      ]);
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
    const rows = await m.query(`SELECT 1 FROM sites WHERE id = $1`, [siteId]);
    if (rows.length === 0) throw new NotFoundError('Site');
  }
}
