/** One text message to one number. */
export interface OutgoingSms {
  /** E.164, e.g. +420601234567. */
  to: string;
  body: string;
  /** Where the provider posts delivery receipts; none: the provider's acceptance is all we learn. */
  statusCallback: string | null;
}

export interface SmsReceipt {
  /** The provider's message id (Twilio `sid`), which its receipts name. */
  messageId: string;
  /** The provider's status at acceptance (queued, accepted, sent ...). */
  status: string;
  response: string;
}

/**
 * A refused or failed send. `transient`: try again later (HTTP 429, 5xx, timeouts, connection errors);
 * `permanent`: this message will never go (4xx: a bad number, a blocked recipient, bad credentials).
 */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly kind: 'transient' | 'permanent',
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** Sends SMS. Behind an injectable class so the notifier never touches a provider's API directly. */
export abstract class SmsDriver {
  abstract send(sms: OutgoingSms): Promise<SmsReceipt>;
}

/** Where SMS cannot go: no provider is configured (SMS_PROVIDER_URL unset). Every send is refused for good. */
export class DisabledSmsDriver extends SmsDriver {
  async send(): Promise<SmsReceipt> {
    throw new SmsSendError('no SMS provider is configured (SMS_PROVIDER_URL)', 'permanent');
  }
}

/** Transient or permanent, for any error a send may throw. */
export function classifySmsFailure(error: unknown): 'transient' | 'permanent' {
  return error instanceof SmsSendError ? error.kind : 'transient';
}
