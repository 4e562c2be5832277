import { CacheFreshness } from './cache-freshness';
import { PgListener } from './pg-listener';

export interface RefreshingCacheOptions<T> {
  name: string;
  databaseUrl: string;
  /** Channel a trigger NOTIFYs when the underlying rows change. */
  channel: string;
  load: () => Promise<T>;
  /** Backstop reload interval, in case a notification is missed. */
  refreshMs?: number;
  onError?: (message: string) => void;
}

/**
 * A value loaded from the database and kept fresh: reloaded on NOTIFY of its channel, on every (re)connection
 * of the listener, and periodically as a backstop. Concurrent reload requests coalesce. A failed reload keeps
 * the previous value and reports the error: a bad row must not take the service down. `confirmed` says
 * whether the value may be behind the database (see {@link RefreshingCache.confirmed}).
 */
export class RefreshingCache<T> {
  private current: T | undefined;
  private readonly freshness = new CacheFreshness();
  private listener: PgListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly options: RefreshingCacheOptions<T>) {}

  /** Loads the value (failing if the first load fails), starts listening and loads again once it listens. */
  async start(): Promise<void> {
    await this.loadNow();
    this.listener = new PgListener({
      url: this.options.databaseUrl,
      channels: [this.options.channel],
      onNotify: () => this.changed(),
      onConnected: () => this.changed(),
      onError: (error) => this.options.onError?.(`${this.options.name} listener: ${error.message}`),
    });
    await this.listener.start();
    // The reload LISTEN started covers what changed between the first load and LISTEN: once it is done the
    // value is confirmed, and readers need not ask the database from their first use.
    await this.reloading;
    this.timer = setInterval(() => void this.reload(), this.options.refreshMs ?? 60000);
    this.timer.unref();
  }

  get value(): T {
    if (this.current === undefined) throw new Error(`${this.options.name} is not loaded yet`);
    return this.current;
  }

  /**
   * True when the value holds every change committed before the last notification received: the listener is
   * connected and the last successful load started after the last notification and the last (re)connection.
   * False from start until the first load after LISTEN, while the listener is down (e.g. Postgres restarted),
   * and from a notification until the reload it causes has succeeded. A change committed a moment ago whose
   * notification has not reached this process yet is not seen: callers that cannot accept that must ask the
   * database.
   */
  get confirmed(): boolean {
    return !this.stopped && this.freshness.confirmed(this.listener?.connected ?? false);
  }

  private changed(): void {
    // Synchronously, before the reload is even scheduled: a reader from now on must not trust the value.
    this.freshness.changed();
    void this.reload();
  }

  private async loadNow(): Promise<void> {
    const token = this.freshness.loadStarting();
    this.current = await this.options.load();
    this.freshness.loaded(token);
  }

  reload(): Promise<void> {
    // After stop the database may already be closed: a late notification or timer must not query it.
    if (this.stopped) return Promise.resolve();
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.again = false;
          await this.loadNow();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.options.onError?.(
          `${this.options.name}: reload failed, keeping the previous value: ${(error as Error).message}`,
        );
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.listener?.stop();
    this.listener = null;
    await this.reloading;
  }
}
