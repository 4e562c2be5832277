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
 * the previous value and reports the error: a bad row must not take the service down.
 */
export class RefreshingCache<T> {
  private current: T | undefined;
  private listener: PgListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly options: RefreshingCacheOptions<T>) {}

  /** Loads the value (failing if the first load fails) and starts listening. */
  async start(): Promise<void> {
    this.current = await this.options.load();
    this.listener = new PgListener({
      url: this.options.databaseUrl,
      channels: [this.options.channel],
      onNotify: () => void this.reload(),
      onConnected: () => void this.reload(),
      onError: (error) => this.options.onError?.(`${this.options.name} listener: ${error.message}`),
    });
    await this.listener.start();
    this.timer = setInterval(() => void this.reload(), this.options.refreshMs ?? 60000);
    this.timer.unref();
  }

  get value(): T {
    if (this.current === undefined) throw new Error(`${this.options.name} is not loaded yet`);
    return this.current;
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
          this.current = await this.options.load();
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
