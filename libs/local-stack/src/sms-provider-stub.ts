import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Inbox } from './inbox';

/** A text message as the stub received it. */
export interface RecordedSms {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  receivedAt: Date;
}

/** A request the stub refused or could not read (kept for assertions). */
export interface RefusedSmsRequest {
  status: number;
  path: string;
  reason: string;
}

export interface SmsProviderStubOptions {
  accountSid?: string;
  authToken?: string;
  /**
   * What the stub reports on its own after accepting a message: `delivered` (sent → delivered), `undelivered`
   * (sent → undelivered), or nothing (`manual`: the test calls `report()`).
   */
  autoReport?: 'delivered' | 'undelivered' | 'manual';
}

/**
 * A local HTTP server that answers like Twilio's Messages API, for tests and the demo:
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with form-encoded To/From/Body/StatusCallback and HTTP
 * basic auth, answered 201 with JSON `{ sid, status: 'queued', ... }`. It records every accepted message, can
 * fail with any status (`failWith(500 | 429 | 400)`), and posts status callbacks to the message's
 * StatusCallback URL signed like Twilio (`X-Twilio-Signature`: base64 HMAC-SHA1 of the URL and the sorted
 * parameters, keyed with the auth token), computed here independently of the notifier's own check.
 */
export class SmsProviderStub {
  private readonly inbox = new Inbox<RecordedSms>('SMS');
  readonly messages: RecordedSms[] = this.inbox.items;
  readonly refused: RefusedSmsRequest[] = [];
  readonly callbacks: Array<{ sid: string; status: string; httpStatus: number | null }> = [];
  readonly accountSid: string;
  readonly authToken: string;
  private failure: { status: number; remaining: number } | null = null;
  private autoReport: 'delivered' | 'undelivered' | 'manual';
  private pendingCallbacks = new Set<Promise<void>>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    options: SmsProviderStubOptions,
  ) {
    this.accountSid = options.accountSid ?? 'ACtest';
    this.authToken = options.authToken ?? 'test-auth-token';
    this.autoReport = options.autoReport ?? 'delivered';
  }

  /** The API base for SMS_PROVIDER_URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Environment variables that point the notifier at this stub. */
  env(): Record<string, string> {
    return { SMS_PROVIDER_URL: this.url, SMS_ACCOUNT_SID: this.accountSid, SMS_AUTH_TOKEN: this.authToken };
  }

  static async start(options: SmsProviderStubOptions = {}): Promise<SmsProviderStub> {
    let stub: SmsProviderStub | null = null;
    const server = createServer((req, res) => {
      void stub!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stub = new SmsProviderStub(server, (server.address() as AddressInfo).port, options);
    return stub;
  }

  /** Refuse the next `times` messages (default: until `accept()`) with this HTTP status. */
  failWith(status: number, times = Number.POSITIVE_INFINITY): void {
    this.failure = { status, remaining: times };
  }

  accept(): void {
    this.failure = null;
  }

  /** What to report by itself from now on. */
  reportAutomatically(mode: 'delivered' | 'undelivered' | 'manual'): void {
    this.autoReport = mode;
  }

  /**
   * Posts a status callback for a message to its StatusCallback URL, signed with the auth token (or with
   * `signWith`, to play a forger). Resolves with the HTTP status the notifier answered.
   */
  async report(
    sid: string,
    status: 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed',
    options: { signWith?: string; errorCode?: string; url?: string } = {},
  ): Promise<number> {
    const message = this.messages.find((m) => m.sid === sid);
    const url = options.url ?? message?.statusCallback;
    if (!url) throw new Error(`message ${sid} has no status callback URL`);
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      To: message?.to ?? '',
      From: message?.from ?? '',
      ApiVersion: '2010-04-01',
      ...(options.errorCode ? { ErrorCode: options.errorCode } : {}),
    };
    const data = Object.keys(params)
      .sort()
      .reduce((acc, key) => acc + key + params[key], url);
    const signature = createHmac('sha1', options.signWith ?? this.authToken)
      .update(data, 'utf8')
      .digest('base64');
    let httpStatus: number | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
        body: new URLSearchParams(params).toString(),
      });
      httpStatus = response.status;
    } finally {
      this.callbacks.push({ sid, status, httpStatus });
    }
    return httpStatus;
  }

  /** Resolves when `count` messages matching `predicate` have been accepted. */
  async waitForMessages(
    count: number,
    predicate: (m: RecordedSms) => boolean = () => true,
    timeoutMs = 15000,
  ): Promise<RecordedSms[]> {
    return this.inbox.waitFor(count, predicate, timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pendingCallbacks]);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (req.method !== 'POST' || !match)
      return this.answer(res, 404, { code: 20404, message: 'Not found' }, path);
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (auth !== expected || decodeURIComponent(match[1]!) !== this.accountSid) {
      return this.answer(res, 401, { code: 20003, message: 'Authenticate' }, path);
    }
    if (this.failure && this.failure.remaining > 0) {
      this.failure.remaining--;
      const status = this.failure.status;
      if (this.failure.remaining <= 0) this.failure = null;
      const message =
        status === 429 ? 'Too Many Requests' : status >= 500 ? 'Service unavailable' : 'Invalid';
      return this.answer(res, status, { code: status === 400 ? 21211 : status, message, status }, path);
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const to = form.get('To');
    const body = form.get('Body');
    if (!to || !/^\+[1-9]\d{6,14}$/.test(to) || !body) {
      return this.answer(
        res,
        400,
        { code: 21211, message: "The 'To' number is not valid", status: 400 },
        path,
      );
    }
    const sms: RecordedSms = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      accountSid: this.accountSid,
      to,
      from: form.get('From') ?? '',
      body,
      statusCallback: form.get('StatusCallback'),
      receivedAt: new Date(),
    };
    this.inbox.add(sms);
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        sid: sms.sid,
        account_sid: sms.accountSid,
        to: sms.to,
        from: sms.from,
        body: sms.body,
        status: 'queued',
        num_segments: String(Math.ceil(body.length / 153) || 1),
        api_version: '2010-04-01',
        date_created: sms.receivedAt.toUTCString(),
      }),
    );
    if (sms.statusCallback && this.autoReport !== 'manual') {
      const final = this.autoReport;
      const done = (async () => {
        // A moment later, as a real provider would: the sender has usually recorded its attempt by then.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await this.report(sms.sid, 'sent').catch(() => undefined);
        await this.report(sms.sid, final).catch(() => undefined);
      })();
      this.pendingCallbacks.add(done);
      void done.finally(() => this.pendingCallbacks.delete(done));
    }
  }

  private answer(res: ServerResponse, status: number, body: object, path: string): void {
    this.refused.push({ status, path, reason: JSON.stringify(body) });
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ...body, more_info: 'https://www.twilio.com/docs/errors' }));
  }
}
