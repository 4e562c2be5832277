import { Client } from 'pg';

export interface PgListenerOptions {
  url: string;
  channels: string[];
  onNotify: (channel: string) => void;
  /** Called after every (re)connection, so the caller can reload what it may have missed meanwhile. */
  onConnected?: () => void;
  onError?: (error: Error) => void;
  reconnectDelayMs?: number;
}

/**
 * A dedicated connection that LISTENs on some channels and reconnects after a failure. Notifications are
 * wake-up calls, never data: whoever listens also polls, and reloads on every reconnection.
 */
export class PgListener {
  private client: Client | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: PgListenerOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  /**
   * Listening now: connected, with LISTEN done on every channel. False from the moment the connection is seen
   * to fail until the next (re)connection has listened again; meanwhile notifications may be lost.
   */
  get connected(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: 'alem-listener' });
    client.on('notification', (msg) => this.options.onNotify(msg.channel));
    client.on('error', (error) => {
      this.options.onError?.(error);
      this.scheduleReconnect(client);
    });
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${quoteIdent(channel)}`);
      this.client = client;
      this.options.onConnected?.();
    } catch (error) {
      this.options.onError?.(error as Error);
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    // Whatever else happens, a failed client no longer listens (`connected` must say so at once).
    if (this.client === client) this.client = null;
    if (this.stopped || this.timer) return;
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) void this.connect();
    }, this.options.reconnectDelayMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
