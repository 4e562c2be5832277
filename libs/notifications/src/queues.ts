/**
 * Every BullMQ queue and job of the notifier: the one list. Each queue has exactly one processor in the
 * notifier, and each processor handles exactly the jobs listed for its queue; the notifier refuses to boot
 * otherwise (`QueueHandlerCheck`). Job payloads carry ids only, never PHI.
 */
export const QUEUES = {
  /** Expands an outbox notification into per-recipient deliveries. Job id = notification id. */
  dispatch: 'notification-dispatch',
  /**
   * Sends one delivery on its channel. Job id = delivery id (`<delivery id>.<generation>` after the delivery
   * was held by grouping or the rate limit and queued again).
   */
  delivery: 'notification-delivery',
  /** Sends a contact point's test message with its code. Job id = verification id. */
  verification: 'contact-verification',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  dispatch: 'dispatch',
  send: 'send',
  sendVerification: 'send-verification',
} as const;

export interface DispatchJob {
  notificationId: string;
}

export interface DeliveryJob {
  deliveryId: string;
  /** Set when the provider took the message and the database could not record it yet (record, never resend). */
  sent?: SentMessage;
}

/** A send the provider accepted, as it is to be recorded (times ISO 8601: job data is JSON). */
export interface SentMessage {
  channel: 'email' | 'sms';
  attempt: number;
  startedAt: string;
  finishedAt: string;
  response: string;
  messageId: string | null;
  /** Deliveries carried by this message (a summary), and those skipped (their alert closed before sending). */
  carriedIds: string[];
  skippedIds: string[];
  /** How many alerts the message told of. */
  summaryOf: number;
}

export interface VerificationJob {
  verificationId: string;
}

/** The job id of a delivery: its id, suffixed with the generation once it was held and queued again. */
export function deliveryJobId(deliveryId: string, generation: number): string {
  return generation > 0 ? `${deliveryId}.${generation}` : deliveryId;
}

export interface RetrySettings {
  attempts: number;
  backoff: { type: 'exponential'; delay: number; jitter: number };
}

/**
 * Retries of a delivery: exponential back-off with jitter (defaults: 6 tries, 2 s, 4 s, 8 s ... each ±50 %),
 * then the delivery is marked failed and the next channel or tier takes over.
 */
export function deliveryRetry(attempts: number, backoffMs: number): RetrySettings {
  return { attempts, backoff: { type: 'exponential', delay: backoffMs, jitter: 0.5 } };
}

export const DISPATCH_RETRY: RetrySettings = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
};
