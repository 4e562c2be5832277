import { type OutgoingSms, SmsDriver, type SmsReceipt, SmsSendError } from './sms.driver';

export interface TwilioSettings {
  /** The API base, e.g. https://api.twilio.com (or a compatible provider, or the local stub). */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  requestTimeoutMs: number;
}

/**
 * SMS through Twilio's Messages API (and compatible providers):
 * `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded To/From/Body/StatusCallback,
 * HTTP basic auth AccountSid:AuthToken, answered with JSON carrying `sid` and `status`.
 *
 * HTTP 429, 5xx, a timeout or a connection error are transient (retry with back-off); any other 4xx is
 * permanent (the number, the message or the account is refused: retrying cannot help).
 */
export class TwilioSmsDriver extends SmsDriver {
  constructor(private readonly settings: TwilioSettings) {
    super();
  }

  async send(sms: OutgoingSms): Promise<SmsReceipt> {
    const { baseUrl, accountSid, authToken, from, requestTimeoutMs } = this.settings;
    const form = new URLSearchParams({ To: sms.to, From: from, Body: sms.body });
    if (sms.statusCallback) form.set('StatusCallback', sms.statusCallback);
    let response: Response;
    try {
      response = await fetch(
        `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
        {
          method: 'POST',
          headers: {
            Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
          },
          body: form.toString(),
          signal: AbortSignal.timeout(requestTimeoutMs),
        },
      );
    } catch (error) {
      const e = error as Error;
      const what = e.name === 'TimeoutError' ? `no answer within ${requestTimeoutMs} ms` : e.message;
      throw new SmsSendError(`SMS provider unreachable: ${what}`, 'transient');
    }
    const text = await response.text().catch(() => '');
    let body: { sid?: unknown; status?: unknown; message?: unknown; code?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not JSON (a proxy's error page): the status code decides.
    }
    const summary = `HTTP ${response.status}${typeof body.code === 'number' ? ` code ${body.code}` : ''}${
      typeof body.message === 'string' ? `: ${body.message}` : ''
    }`;
    if (!response.ok) {
      const transient = response.status === 429 || response.status >= 500 || response.status === 408;
      throw new SmsSendError(
        `SMS provider refused: ${summary}`,
        transient ? 'transient' : 'permanent',
        response.status,
      );
    }
    if (typeof body.sid !== 'string' || body.sid.length === 0) {
      // Accepted without an id we could match receipts to: treat as not sent, and try again.
      throw new SmsSendError(`SMS provider answered without a message sid: ${summary}`, 'transient');
    }
    return {
      messageId: body.sid,
      status: typeof body.status === 'string' ? body.status : 'accepted',
      response: `${summary} sid ${body.sid} status ${String(body.status ?? '')}`.trim(),
    };
  }
}
