import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type SenderCredentials, SenderDirectory } from '@alem/access';
import { LabSenderRepository, RefreshingCache } from '@alem/persistence';
import { type AppConfig, InjectConfig } from '@alem/runtime';

/**
 * The labs' sender registrations (certificates, source addresses, assigning authorities), in memory and kept
 * fresh by LISTEN lab_senders_changed, so that authenticating a message never waits on Postgres. The gateway
 * does not start without them: with no registrations it could only refuse everyone, or trust everyone.
 */
@Injectable()
export class RegisteredSenders implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RegisteredSenders.name);
  private readonly cache: RefreshingCache<SenderDirectory>;

  constructor(
    private readonly senders: LabSenderRepository,
    @InjectConfig() config: AppConfig,
  ) {
    this.cache = new RefreshingCache({
      name: 'sender registrations',
      databaseUrl: config.database.url,
      channel: 'lab_senders_changed',
      load: async () => new SenderDirectory(await senders.all()),
      onError: (message) => this.logger.error(message),
    });
  }

  onModuleInit(): Promise<void> {
    return this.cache.start();
  }

  /** The registrations as last loaded. */
  get directory(): SenderDirectory {
    return this.cache.value;
  }

  /**
   * A sender's registration by its registered name, for HTTP intake (which reads Postgres for the API key
   * anyway): a sender registered a moment ago is found before its notification arrives.
   */
  async named(name: string): Promise<SenderCredentials | undefined> {
    return this.directory.named(name) ?? (await this.senders.find(name)) ?? undefined;
  }

  /** Reloads now (tests, after changing a registration, rather than waiting for the notification). */
  reload(): Promise<void> {
    return this.cache.reload();
  }

  onModuleDestroy(): Promise<void> {
    return this.cache.stop();
  }
}
