import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  applySiteOverrides,
  defaultRuleSets,
  type RuleSet,
  type RuleSetsByIndication,
  siteOverrideLabel,
} from '@alem/clinical';
import { type AppConfig, counter, InjectConfig } from '@alem/runtime';
import { RefreshingCache, RuleContextRepository } from '@alem/persistence';

/**
 * The rule sets in force: the shipped MS and CLL sets (validated at boot), and per site the same with the
 * site's latest overrides applied (each such set has its own version, e.g. `ms-2026.3+site-3`, which every
 * alert pins). Reloaded on NOTIFY rule_overrides_changed.
 *
 * A site's stored override that no longer applies (the API refuses invalid ones, but a rule-set upgrade can
 * orphan a threshold) affects that site and indication only: it keeps the last set that applied (at boot:
 * the shipped set), and the problem is logged and counted on every load until someone fixes it. The other
 * sites' changes keep arriving; the processor never refuses to start over it.
 */
@Injectable()
export class RuleSetCache implements OnModuleDestroy {
  private readonly logger = new Logger(RuleSetCache.name);
  private readonly defaults: RuleSetsByIndication = defaultRuleSets();
  private loaded: Map<string, RuleSetsByIndication> | null = null;
  private readonly cache: RefreshingCache<Map<string, RuleSetsByIndication>>;
  private readonly invalid = counter({
    name: 'alem_rule_overrides_invalid_total',
    help: 'Loads of a site override that no longer applies (that site keeps its last valid rule set), by site',
    labelNames: ['site', 'indication'] as const,
  });

  constructor(repository: RuleContextRepository, @InjectConfig() config: AppConfig) {
    this.cache = new RefreshingCache({
      name: 'rule sets',
      databaseUrl: config.database.url,
      channel: 'rule_overrides_changed',
      load: async () => {
        const previous = this.loaded;
        const bySite = new Map<string, RuleSetsByIndication>();
        for (const site of await repository.loadSiteOverrides()) {
          const sets = { ...(bySite.get(site.siteId) ?? this.defaults) };
          try {
            sets[site.indication] = applySiteOverrides(
              this.defaults[site.indication],
              siteOverrideLabel(site.siteId, site.version),
              site.overrides,
            );
          } catch (error) {
            const kept = previous?.get(site.siteId)?.[site.indication] ?? this.defaults[site.indication];
            sets[site.indication] = kept;
            this.invalid.inc({ site: site.siteId, indication: site.indication });
            this.logger.error(
              `site ${site.siteId} ${site.indication} override v${site.version} no longer applies (${(error as Error).message}); keeping ${kept.version}`,
            );
          }
          bySite.set(site.siteId, sets);
        }
        this.loaded = bySite;
        return bySite;
      },
      onError: (message) => this.logger.error(message),
    });
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  /** The rule set for a patient of this site and indication. */
  ruleSetFor(siteId: string, indication: 'MS' | 'CLL'): RuleSet {
    return (this.cache.value.get(siteId) ?? this.defaults)[indication];
  }

  onModuleDestroy(): Promise<void> {
    return this.cache.stop();
  }
}
