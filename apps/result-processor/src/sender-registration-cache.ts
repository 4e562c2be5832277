import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { senderForms } from '@alem/events';
import { type AppConfig, InjectConfig } from '@alem/runtime';
import { LabSenderRepository, RefreshingCache } from '@alem/persistence';

/**
 * The labs' sender registrations, in memory (for now: the zone each sender's local times are read in), kept
 * fresh by LISTEN lab_senders_changed. A sender that is not registered gets `HL7_DEFAULT_TIME_ZONE`.
 */
@Injectable()
export class SenderRegistrationCache implements OnModuleDestroy {
  private readonly logger = new Logger(SenderRegistrationCache.name);
  private readonly cache: RefreshingCache<Map<string, string>>;

  constructor(senders: LabSenderRepository, @InjectConfig() config: AppConfig) {
    this.cache = new RefreshingCache({
      name: 'sender registrations',
      databaseUrl: config.database.url,
      channel: 'lab_senders_changed',
      load: () => senders.timeZones(),
      onError: (message) => this.logger.error(message),
    });
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  /** The IANA zone registered for the sender (MSH-3^MSH-4); undefined when it has none. */
  timeZoneOf(sender: { application: string; facility: string }): string | undefined {
    // Registered under any form of its hierarchic designators (whole, namespace id or universal id).
    for (const key of senderForms(sender)) {
      const zone = this.cache.value.get(key);
      if (zone !== undefined) return zone;
    }
    return undefined;
  }

  onModuleDestroy(): Promise<void> {
    return this.cache.stop();
  }
}
