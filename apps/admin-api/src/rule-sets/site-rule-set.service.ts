import { Injectable } from '@nestjs/common';
import {
  applySiteOverrides,
  defaultRuleSets,
  type RuleOverride,
  type RuleSet,
  RuleSetError,
  type RuleSetsByIndication,
  siteOverrideLabel,
} from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { type Indication, RuleOverrideRepository } from './rule-set.repository';

/**
 * A site's rule set as the result processor builds it (`RuleSetCache`): the shipped set of the indication with
 * the site's latest override version applied under the site's label (`ms-2026.3+brno.v1`, which every alert
 * pins). The one place the admin API builds it: validating a new override version, showing the effective set,
 * and grading a result a reviewer releases from a data-quality hold.
 */
@Injectable()
export class SiteRuleSetService {
  readonly shipped: RuleSetsByIndication = defaultRuleSets();

  constructor(private readonly overrides: RuleOverrideRepository) {}

  /** The shipped set with these overrides applied; throws `RuleSetError` (every issue) when they do not apply. */
  apply(siteId: string, indication: Indication, version: number, overrides: RuleOverride[]): RuleSet {
    return applySiteOverrides(this.shipped[indication], siteOverrideLabel(siteId, version), overrides);
  }

  /**
   * The set the processor grades this site's patients of this indication with. A latest override that no longer
   * applies (a rule-set upgrade orphaned it; the API refuses such versions) leaves the shipped set in force, as
   * in a processor that starts now: it is the one choice that does not depend on a process's history.
   */
  async inForce(m: EntityManager, siteId: string, indication: Indication): Promise<RuleSet> {
    const latest = await this.overrides.latest(m, siteId, indication);
    if (!latest) return this.shipped[indication];
    try {
      return this.apply(siteId, indication, latest.version, latest.overrides);
    } catch (error) {
      if (!(error instanceof RuleSetError)) throw error;
      return this.shipped[indication];
    }
  }
}
