import { deliveryRetry, type RateLimit, type RetrySettings } from '@alem/notifications';
import { type AppConfig } from '@alem/runtime';

/** What the notifier's parts need from the configuration, resolved once at boot. */
export interface NotifierSettings {
  publicBaseUrl: string;
  ackTokenSecret: string;
  ackTokenTtlMs: number;
  contactVerificationTtlMs: number;
  /** Timers, receipts and digests are swept this often (0: only when a test calls the sweep). */
  escalationSweepIntervalMs: number;
  sweepBatchSize: number;
  warningGroupWindowMs: number;
  digestLocalTime: string;
  rateLimit: RateLimit;
  /** At most this long another message to the same contact waits for one in flight (in a flood). */
  leaseMs: number;
  deliveryRetry: RetrySettings;
  smsEnabled: boolean;
  smsDeliveryTimeoutMs: number;
  /** Digest emails are tried this many times (once per sweep) before they are marked failed. */
  digestMaxAttempts: number;
}

export const NOTIFIER_SETTINGS = Symbol('NOTIFIER_SETTINGS');

export function notifierSettings(config: AppConfig, ackTokenSecret: string): NotifierSettings {
  const n = config.notify;
  return {
    publicBaseUrl: config.links.publicBaseUrl,
    ackTokenSecret,
    ackTokenTtlMs: n.ackTokenTtlMs,
    contactVerificationTtlMs: n.contactVerificationTtlMs,
    escalationSweepIntervalMs: n.escalationSweepIntervalMs,
    sweepBatchSize: 200,
    warningGroupWindowMs: n.warningGroupWindowMs,
    digestLocalTime: n.digestLocalTime,
    rateLimit: n.rateLimit,
    leaseMs: 30_000,
    deliveryRetry: deliveryRetry(n.delivery.attempts, n.delivery.backoffMs),
    smsEnabled: n.sms !== null,
    smsDeliveryTimeoutMs: n.sms?.deliveryTimeoutMs ?? 0,
    digestMaxAttempts: 5,
  };
}
