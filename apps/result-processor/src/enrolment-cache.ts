import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { patientKeys } from '@alem/messaging';
import { type AppConfig, InjectConfig } from '@alem/runtime';
import { type EnrolledPatient, EnrolmentRepository, RefreshingCache } from '@alem/persistence';

/**
 * Every enrolled patient's identifiers, in memory: the feed is a whole health system's results and only a
 * small part of it concerns enrolled patients, so the other results are dropped without a database round
 * trip. Kept fresh by LISTEN enrolment_changed (a trigger on the enrolment tables).
 */
@Injectable()
export class EnrolmentCache implements OnModuleDestroy {
  private readonly logger = new Logger(EnrolmentCache.name);
  private readonly cache: RefreshingCache<Map<string, EnrolledPatient>>;

  constructor(enrolment: EnrolmentRepository, @InjectConfig() config: AppConfig) {
    this.cache = new RefreshingCache({
      name: 'enrolled patients',
      databaseUrl: config.database.url,
      channel: 'enrolment_changed',
      load: () => enrolment.loadEnrolled(),
      onError: (message) => this.logger.error(message),
    });
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  /**
   * The enrolled patient an event's identifier names: registered under its assigning authority in any of the
   * authority's forms (the whole hierarchic designator, its namespace id or its universal id).
   */
  lookup(patient: { id: string; authority: string }): EnrolledPatient | undefined {
    for (const key of patientKeys(patient)) {
      const found = this.cache.value.get(key);
      if (found) return found;
    }
    return undefined;
  }

  get size(): number {
    return this.cache.value.size;
  }

  reload(): Promise<void> {
    return this.cache.reload();
  }

  onModuleDestroy(): Promise<void> {
    return this.cache.stop();
  }
}
