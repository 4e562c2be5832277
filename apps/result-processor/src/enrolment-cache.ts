import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { hdForms, patientKeys } from '@alem/events';
import { type AppConfig, InjectConfig } from '@alem/runtime';
import { type EnrolledPatient, EnrolmentRepository, RefreshingCache } from '@alem/persistence';

export type PatientIdentity = { id: string; authority: string };

/**
 * Every enrolled patient's identifiers, in memory: the feed is a whole health system's results and only a
 * small part of it concerns enrolled patients, so the other results are dropped without a database round
 * trip. Kept fresh by LISTEN enrolment_changed (a trigger on the enrolment tables). A miss is only the final
 * word while the cache is `confirmed`; otherwise the caller asks `findEnrolled`.
 */
@Injectable()
export class EnrolmentCache implements OnModuleDestroy {
  private readonly logger = new Logger(EnrolmentCache.name);
  private readonly cache: RefreshingCache<Map<string, EnrolledPatient>>;

  constructor(
    private readonly enrolment: EnrolmentRepository,
    @InjectConfig() config: AppConfig,
  ) {
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
  lookup(patient: PatientIdentity): EnrolledPatient | undefined {
    return lookupIn(this.cache.value, patient);
  }

  /**
   * Whether a miss of `lookup` means "not enrolled": false while the enrolment listener is down and from an
   * enrolment change's notification until the reload it causes is done (see `RefreshingCache.confirmed`).
   */
  get confirmed(): boolean {
    return this.cache.confirmed;
  }

  /**
   * The patients among these who are enrolled, asked of the database in one query (every authority form of
   * every identifier): for the misses of a batch taken while the cache is not confirmed. Read it with
   * {@link lookupIn}.
   */
  findEnrolled(patients: Iterable<PatientIdentity>): Promise<Map<string, EnrolledPatient>> {
    const identifiers: Array<{ authority: string; identifier: string }> = [];
    for (const patient of patients) {
      for (const authority of hdForms(patient.authority))
        identifiers.push({ authority, identifier: patient.id });
    }
    return this.enrolment.findEnrolled(identifiers);
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

/** The enrolled patient a map keyed by `patientKey` (the cache's, or `findEnrolled`'s) holds for an identifier. */
export function lookupIn(
  enrolled: ReadonlyMap<string, EnrolledPatient>,
  patient: PatientIdentity,
): EnrolledPatient | undefined {
  for (const key of patientKeys(patient)) {
    const found = enrolled.get(key);
    if (found) return found;
  }
  return undefined;
}
