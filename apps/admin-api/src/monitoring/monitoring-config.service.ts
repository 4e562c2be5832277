import { Injectable } from '@nestjs/common';
import { type MonitoringSettingsOverrides } from '@alem/clinical';
import { MonitoringRepository, type SiteMonitoringSettings } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { CareTeamRepository } from '../care-teams/care-team.repository';
import { type CsvColumn } from '../common/csv';
import { InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import { MonitoringQueryRepository } from './monitoring-query.repository';
import {
  type FeedChangeDto,
  type FeedQueryDto,
  type FeedView,
  type SiteMonitoringSettingsView,
} from './monitoring.dto';
import { mappingMonitoringErrors } from './monitoring.errors';

export const FEED_CSV_COLUMNS: CsvColumn<FeedView>[] = [
  { header: 'sender', value: (r) => r.sender },
  { header: 'site_id', value: (r) => r.siteId },
  { header: 'state', value: (r) => r.state },
  { header: 'quiet_after_hours', value: (r) => r.quietAfterHours },
  { header: 'rhythm_source', value: (r) => r.rhythmSource },
  { header: 'last_seen_at', value: (r) => r.lastSeenAt },
  { header: 'quiet_since', value: (r) => r.quietSince },
  { header: 'holding', value: (r) => r.holding },
  { header: 'held_patients', value: (r) => r.heldPatients },
  { header: 'hold_released_at', value: (r) => r.holdReleasedAt },
  { header: 'alert_reference', value: (r) => r.alertReference },
];

function toSettingsView(s: SiteMonitoringSettings): SiteMonitoringSettingsView {
  return {
    siteId: s.siteId,
    version: s.version,
    overrides: s.overrides as Record<string, unknown>,
    settings: s.settings as unknown as Record<string, unknown>,
    changedAt: s.changedAt?.toISOString() ?? null,
    changedBy: s.changedBy,
  };
}

/**
 * Monitoring configuration (no patient data): a site's overrides of the schedule defaults (versioned), the lab
 * feeds (rhythm, owning site, releasing a quiet feed's hold) and the integration team of a site. Every change is
 * written and audited by `MonitoringRepository` in one transaction, with its before and after.
 */
@Injectable()
export class MonitoringConfigService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queries: MonitoringQueryRepository,
    private readonly monitoring: MonitoringRepository,
    private readonly sites: CareTeamRepository,
    private readonly clock: Clock,
  ) {}

  async settings(siteId: string): Promise<SiteMonitoringSettingsView> {
    await this.requireSite(this.dataSource.manager, siteId);
    return toSettingsView(await this.monitoring.siteSettings(siteId));
  }

  async saveSettings(
    actor: RequestActor,
    siteId: string,
    overrides: MonitoringSettingsOverrides,
    reason: string | null,
  ): Promise<SiteMonitoringSettingsView> {
    const saved = await mappingMonitoringErrors('Site', () =>
      this.monitoring.saveSiteSettings(siteId, overrides, auditActorOf(actor), this.clock.now(), reason),
    );
    return toSettingsView(saved);
  }

  async setIntegrationTeam(
    actor: RequestActor,
    siteId: string,
    careTeamId: string | null,
  ): Promise<{ siteId: string; integrationCareTeamId: string | null }> {
    const m = this.dataSource.manager;
    await this.requireSite(m, siteId);
    if (careTeamId !== null) {
      if (!(await this.sites.teamInSite(m, careTeamId, siteId))) {
        throw new InvalidInputError('The care team does not exist or belongs to another site', [
          { path: 'body.careTeamId', message: 'no such care team at this site' },
        ]);
      }
    }
    await mappingMonitoringErrors('Site', () =>
      this.monitoring.setIntegrationCareTeam(siteId, careTeamId, auditActorOf(actor), this.clock.now()),
    );
    return { siteId, integrationCareTeamId: careTeamId };
  }

  async feeds(query: FeedQueryDto, format: ListFormat): Promise<Page<FeedView>> {
    const limit = pageLimit(query, format);
    const page = await this.queries.feeds(this.dataSource.manager, query, limit);
    return { ...page, limit, offset: query.offset };
  }

  /** Sets a feed's rhythm and/or owning site (a feed not yet seen is created, so it can be set up first). */
  async configureFeed(actor: RequestActor, sender: string, change: FeedChangeDto): Promise<FeedView> {
    if (change.siteId) await this.requireSite(this.dataSource.manager, change.siteId, 'body.siteId');
    await mappingMonitoringErrors('Feed', () =>
      this.monitoring.configureFeed(sender, change, auditActorOf(actor), this.clock.now()),
    );
    return (await this.queries.feed(this.dataSource.manager, sender))!;
  }

  /** Lets a quiet feed's held missed-result alerts go out now (this quiet episode); 409 if it is not quiet. */
  async releaseHold(actor: RequestActor, sender: string, note: string | null): Promise<FeedView> {
    const m = this.dataSource.manager;
    if (!(await this.queries.feed(m, sender))) throw new NotFoundError('Feed');
    await mappingMonitoringErrors('Feed', () =>
      this.monitoring.releaseFeedHold(sender, auditActorOf(actor), this.clock.now(), note),
    );
    return (await this.queries.feed(m, sender))!;
  }

  /** 404 for the site in the path; 400 naming the field for a site in the body. */
  private async requireSite(m: EntityManager, siteId: string, field?: string): Promise<void> {
    if (await this.sites.siteExists(m, siteId)) return;
    if (field) throw new InvalidInputError('No such site', [{ path: field, message: 'no such site' }]);
    throw new NotFoundError('Site');
  }
}
