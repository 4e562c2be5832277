import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type Type } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { type ClaimedItem, DeliveryRepository } from '@alem/persistence';
import {
  classifyMailFailure,
  classifySmsFailure,
  type DeliveryJob,
  type SentMessage,
  JOBS,
  MailDriver,
  QUEUES,
  SmsDriver,
  SmsSendError,
} from '@alem/notifications';
import { Clock } from '@alem/runtime';
import { DeliveryService, type FailoverOutcome } from './delivery.service';
import { FailoverHandler } from './failover.handler';
import { composeMessage } from './message-composer';
import { NotifierMetrics } from './notifier.metrics';
import { NOTIFIER_SETTINGS, type NotifierSettings } from './notifier.settings';
import { SmsCallbackUrl } from './sms-callback-url';

const FINAL_STATES = new Set(['sent', 'delivered', 'skipped', 'failed']);
/** How long a flood's next message waits for the one in flight before it tries again (real time). */
const BUSY_RETRY_MS = 200;

/**
 * Sends one delivery. It is first claimed (`DeliveryService.claim`): the alert states are re-read (acknowledged
 * or resolved meanwhile? nothing to send), the per-contact rate limit decides (send now, alone or as a summary of
 * what else waits for that person, or hold), and a warning group rides along. Every attempt is a row; failures
 * are rethrown so BullMQ retries with back-off; a permanent failure stops the retries; after the last one the
 * person's next channel, or the next tier, takes over.
 */
@Injectable()
export class DeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger(DeliveryProcessor.name);

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly delivery: DeliveryService,
    private readonly mail: MailDriver,
    private readonly sms: SmsDriver,
    private readonly callbackUrl: SmsCallbackUrl,
    private readonly failover: FailoverHandler,
    private readonly clock: Clock,
    private readonly metrics: NotifierMetrics,
    @Inject(NOTIFIER_SETTINGS) private readonly settings: NotifierSettings,
  ) {
    super();
  }

  async process(job: Job<DeliveryJob>, token?: string): Promise<string> {
    if (job.name !== JOBS.send) throw new UnrecoverableError(`no handler for job ${job.name}`);
    // The provider took this message on an earlier run, whose record the database refused: record it now, and
    // never send it again.
    if (job.data.sent) return this.recordSent(job, job.data.sent);
    const delivery = await this.deliveries.load(job.data.deliveryId);
    if (!delivery) return 'unknown delivery';
    if (FINAL_STATES.has(delivery.state)) return `already ${delivery.state}`;
    if (delivery.coalescedInto) return `carried by ${delivery.coalescedInto}`;
    const claim = await this.delivery.claim(delivery.deliveryId, this.clock.now(), {
      rateLimit: this.settings.rateLimit,
      leaseMs: this.settings.leaseMs,
    });
    switch (claim.kind) {
      case 'done':
        return claim.reason;
      case 'not-due':
        return `not due before ${claim.notBefore.toISOString()}`;
      case 'held':
        this.metrics.summarised.inc({ channel: delivery.channel, action: 'held' });
        return `held by the rate limit until ${claim.until.toISOString()}`;
      case 'busy':
        // Another message to this person is on its way: this one follows it at once, with what piles up.
        await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
        throw new DelayedError();
      case 'send':
        break;
    }
    const attempt = delivery.attempts + 1;
    const startedAt = this.clock.now();
    const carried = claim.items.filter((i) => i.deliveryId !== delivery.deliveryId);
    const open = claim.items.filter((i) => i.alertState === 'open');
    if (open.length === 0) {
      await this.delivery.recordAttempt({
        deliveryId: delivery.deliveryId,
        attempt,
        startedAt,
        finishedAt: this.clock.now(),
        outcome: 'skipped',
        providerResponse: `alert ${delivery.alertState} before sending`,
        providerMessageId: null,
        final: true,
        skippedIds: carried.map((i) => i.deliveryId),
      });
      this.metrics.deliveries.inc({ channel: delivery.channel, outcome: 'skipped' });
      return 'skipped';
    }
    const carriedOpen = carried.filter((i) => i.alertState === 'open').map((i) => i.deliveryId);
    const skippedIds = carried.filter((i) => i.alertState !== 'open').map((i) => i.deliveryId);
    if (carriedOpen.length > 0) {
      this.metrics.summarised.inc({ channel: delivery.channel, action: 'carried' }, carriedOpen.length);
    }
    let receipt: { messageId: string | null; response: string };
    try {
      receipt = await this.send(delivery.deliveryId, delivery.channel, delivery.address, open);
    } catch (error) {
      const kind = delivery.channel === 'sms' ? classifySmsFailure(error) : classifyMailFailure(error);
      // The attempts the database recorded decide the last one, not the job's: a job whose runs were used up by
      // a database or Redis outage has not tried the provider that often, and its delivery is still owed.
      const final = kind === 'permanent' || attempt >= this.settings.deliveryRetry.attempts;
      const outcome = kind === 'permanent' ? 'permanent-failure' : 'transient-failure';
      const response = describeFailure(error);
      const failed = await this.delivery.recordAttempt({
        deliveryId: delivery.deliveryId,
        attempt,
        startedAt,
        finishedAt: this.clock.now(),
        outcome,
        providerResponse: response,
        providerMessageId: null,
        final,
        carriedIds: carriedOpen,
        skippedIds,
        smsEnabled: this.settings.smsEnabled,
      });
      this.metrics.deliveries.inc({ channel: delivery.channel, outcome });
      this.metrics.failures.inc({ channel: delivery.channel, kind });
      // The provider's text can quote the address; the log says what happened, the attempt row the rest.
      this.logger.warn(
        `delivery ${delivery.deliveryId} (${delivery.channel}) attempt ${attempt}: ${outcome}${final ? ', final' : ''}`,
      );
      if (final) await this.failover.handle(delivery.channel, failed);
      if (final) throw new UnrecoverableError(response);
      throw error;
    }
    // The provider has the message. From here a failure is the database's: never a reason to send it again.
    return this.recordSent(job, {
      channel: delivery.channel,
      attempt,
      startedAt: startedAt.toISOString(),
      finishedAt: this.clock.now().toISOString(),
      response: receipt.response,
      messageId: receipt.messageId,
      carriedIds: carriedOpen,
      skippedIds,
      summaryOf: open.length,
    });
  }

  /**
   * Records a send the provider accepted. Should the database refuse the record (an outage, a restart), the
   * send is kept with the job (Redis), and this notifier keeps trying to record it every quarter second for
   * `RECORD_RETRY_MS`: a database back within seconds gets the record at once, so that the fact "sent" does not
   * wait on the job's back-off in Redis, where a Redis that loses its keys meanwhile would lose it and the
   * delivery would be sent again (`npm run drill`: Postgres crashed, then Redis killed a second later). If the
   * database is still away, the job fails and is retried with back-off: each retry records it without sending,
   * and the outbox relay re-runs the job (data and all) should its retries run out first.
   */
  private async recordSent(job: Job<DeliveryJob>, sent: SentMessage): Promise<string> {
    const record = () =>
      this.delivery.recordAttempt({
        deliveryId: job.data.deliveryId,
        attempt: sent.attempt,
        startedAt: new Date(sent.startedAt),
        finishedAt: new Date(sent.finishedAt),
        outcome: 'sent',
        providerResponse: sent.response,
        providerMessageId: sent.messageId,
        final: true,
        carriedIds: sent.carriedIds,
        skippedIds: sent.skippedIds,
        smsEnabled: this.settings.smsEnabled,
      });
    let recorded: FailoverOutcome;
    try {
      recorded = await record();
    } catch (error) {
      this.metrics.unrecordedSends.inc({ channel: sent.channel });
      this.logger.warn(
        `delivery ${job.data.deliveryId} (${sent.channel}) sent, but not recorded (${(error as Error).message}); recording it again, not sending it again`,
      );
      // Kept with the job too, without waiting on it: Redis may be away as well, and the retries below do not
      // depend on it.
      if (!job.data.sent) void job.updateData({ ...job.data, sent }).catch(() => undefined);
      recorded = await retryFor(RECORD_RETRY_MS, RECORD_RETRY_INTERVAL_MS, record, error);
    }
    this.metrics.deliveries.inc({ channel: sent.channel, outcome: 'sent' });
    // A receipt that beat this record ("undelivered") has already failed the message over.
    if (recorded.fallbacks.length > 0 || recorded.unreachable.length > 0) {
      await this.failover.handle(sent.channel, recorded);
    }
    return sent.summaryOf > 1 ? `sent (summary of ${sent.summaryOf})` : 'sent';
  }

  private async send(
    deliveryId: string,
    channel: 'email' | 'sms',
    address: string,
    open: readonly ClaimedItem[],
  ): Promise<{ messageId: string | null; response: string }> {
    const message = composeMessage(channel, open, {
      publicBaseUrl: this.settings.publicBaseUrl,
      ackTokenSecret: this.settings.ackTokenSecret,
      ackTokenTtlMs: this.settings.ackTokenTtlMs,
    });
    if (message.channel === 'email') {
      const host = new URL(this.settings.publicBaseUrl).hostname || 'localhost';
      return this.mail.send({ to: address, ...message.email, messageId: `<${deliveryId}@${host}>` });
    }
    const receipt = await this.sms.send({
      to: address,
      body: message.sms,
      statusCallback: this.callbackUrl.get(),
    });
    return { messageId: receipt.messageId, response: receipt.response };
  }

  /**
   * A worker error (Redis gone, a job's keys lost with it) is logged, never thrown: an unhandled 'error' event
   * would take the notifier down. Lost jobs come back from the outbox.
   */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`worker: ${error.message}`);
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof SmsSendError) return error.message;
  const e = error as { responseCode?: number; message?: string };
  return e?.message ?? String(error);
}

/**
 * The delivery worker, with the job lock the configuration asks for (`NOTIFIER_JOB_LOCK_MS`): a notifier that
 * dies mid-send holds its job that long before BullMQ sees it stalled and another notifier takes it. A class per
 * configuration, since @nestjs/bullmq reads worker options from the class.
 */
export function deliveryProcessorClass(jobLockMs: number): Type<DeliveryProcessor> {
  class ConfiguredDeliveryProcessor extends DeliveryProcessor {}
  Processor(QUEUES.delivery, { concurrency: 10, lockDuration: jobLockMs, stalledInterval: jobLockMs })(
    ConfiguredDeliveryProcessor,
  );
  return ConfiguredDeliveryProcessor;
}

/** How long a notifier keeps trying to record a send the database refused, before leaving it to the job. */
export const RECORD_RETRY_MS = 15_000;
const RECORD_RETRY_INTERVAL_MS = 250;

/** `attempt` again every `intervalMs` until it succeeds or `forMs` has passed (then the last error is thrown). */
async function retryFor<T>(
  forMs: number,
  intervalMs: number,
  attempt: () => Promise<T>,
  first: unknown,
): Promise<T> {
  const deadline = Date.now() + forMs;
  let last = first;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    try {
      return await attempt();
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
