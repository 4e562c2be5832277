import { Injectable } from '@nestjs/common';
import {
  applySiteOverrides,
  defaultRuleSets,
  type RuleOverride,
  type RuleSet,
  RuleSetError,
  siteOverrideLabel,
} from '@alem/clinical';
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

type Indication = 'MS' | 'CLL';

interface OverrideRow {
  id: string;
  site_id: string;
  indication: Indication;
  version: number;
  overrides: RuleOverride[];
  reason: string;
  created_by: string | null;
  created_at: Date;
}

const COLUMNS = `id::text, site_id, indication, version, overrides, reason, created_by, created_at`;

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
  private readonly shipped = defaultRuleSets();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'configuration', ...entry };
  }

  shippedSets(): { items: RuleSetView[] } {
    return { items: [ruleSetView(this.shipped.MS), ruleSetView(this.shipped.CLL)] };
  }

  /** The set the processor grades this site's patients of this indication with: shipped + latest overrides. */
  async effective(siteId: string, indication: Indication): Promise<EffectiveRuleSetView> {
    const m = this.dataSource.manager;
    await this.requireSite(m, siteId);
    const latest = await this.latest(m, siteId, indication);
    const base = this.shipped[indication];
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
      ruleSet = this.apply(latest.site_id, indication, latest.version, latest.overrides);
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
      `SELECT ${COLUMNS} FROM rule_overrides ${sql.whereSql()}
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
      const previous = await this.latest(m, siteId, input.indication);
      const version = (previous?.version ?? 0) + 1;
      const overrides = input.overrides as RuleOverride[];
      try {
        this.apply(siteId, input.indication, version, overrides);
      } catch (error) {
        if (!(error instanceof RuleSetError)) throw error;
        throw new InvalidInputError(
          `The overrides do not apply to ${this.shipped[input.indication].version}`,
          overrideIssues(error.issues, overrides),
        );
      }
      const [row]: OverrideRow[] = await m.query(
        `INSERT INTO rule_overrides (site_id, indication, version, overrides, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
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

  private apply(siteId: string, indication: Indication, version: number, overrides: RuleOverride[]): RuleSet {
    return applySiteOverrides(this.shipped[indication], siteOverrideLabel(siteId, version), overrides);
  }

  private toView(r: OverrideRow): RuleOverrideVersionView {
    const siteLabel = siteOverrideLabel(r.site_id, r.version);
    return {
      id: r.id,
      siteId: r.site_id,
      indication: r.indication,
      version: r.version,
      siteLabel,
      ruleSetVersion: `${this.shipped[r.indication].version}+${siteLabel}`,
      overrides: r.overrides,
      reason: r.reason,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
    };
  }

  private async latest(
    m: EntityManager,
    siteId: string,
    indication: Indication,
  ): Promise<OverrideRow | null> {
    const rows: OverrideRow[] = await m.query(
      `SELECT ${COLUMNS} FROM rule_overrides WHERE site_id = $1 AND indication = $2
       ORDER BY version DESC LIMIT 1`,
      [siteId, indication],
    );
    return rows[0] ?? null;
  }

  private async requireSite(m: EntityManager, siteId: string): Promise<void> {
    const rows = await m.query(`SELECT 1 FROM sites WHERE id = $1`, [siteId]);
    if (rows.length === 0) throw new NotFoundError('Site');
  }
}
