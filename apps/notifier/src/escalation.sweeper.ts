import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DeliveryRepository, DigestRepository } from '@alem/persistence';
import { latestDigest, MailDriver, renderDigestEmail } from '@alem/notifications';
import { Clock } from '@alem/runtime';
import { DeliveryService } from './delivery.service';
import { EscalationService } from './escalation.service';
import { FailoverHandler } from './failover.handler';
import { NotifierMetrics } from './notifier.metrics';
import { NOTIFIER_SETTINGS, type NotifierSettings } from './notifier.settings';
import { OutboxRelay } from './outbox-relay';
import { SmsCallbackUrl } from './sms-callback-url';

export interface SweepReport {
  escalated: number;
  stopped: number;
  receiptsTimedOut: number;
  digestsPlanned: number;
  digestEmails: number;
}

/**
 * The notifier's clockwork, all of it on rows in Postgres so that a Redis restart or a notifier crash loses
 * nothing: escalation timers that are due (the next tier of an unacknowledged alert), SMS accepted but never
 * reported delivered in time (they count as failed: the next channel or tier takes over), and the daily digests.
 * Runs every ESCALATION_SWEEP_INTERVAL_MS on the injected clock; tests call `sweep()`.
 */
@Injectable()
export class EscalationSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EscalationSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepReport> | null = null;
  private stopped = false;

  constructor(
    private readonly escalations: EscalationService,
    private readonly deliveries: DeliveryRepository,
    private readonly delivery: DeliveryService,
    private readonly digests: DigestRepository,
    private readonly mail: MailDriver,
    private readonly callbackUrl: SmsCallbackUrl,
    private readonly failover: FailoverHandler,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly metrics: NotifierMetrics,
    @Inject(NOTIFIER_SETTINGS) private readonly settings: NotifierSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    const every = this.settings.escalationSweepIntervalMs;
    if (every > 0) {
      this.timer = setInterval(() => {
        this.sweep().catch((error: Error) =>
          this.logger.warn(`escalation sweep: ${error.message}; will retry`),
        );
      }, every);
    }
  }

  /** One sweep now (or the one already running). */
  sweep(): Promise<SweepReport> {
    if (this.stopped) return Promise.resolve(emptyReport());
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<SweepReport> {
    const report = emptyReport();
    const now = this.clock.now();
    for (;;) {
      const steps = await this.escalations.sweepDue(now, this.settings.sweepBatchSize);
      for (const step of steps) {
        if (step.outcome === 'escalated') {
          report.escalated++;
          this.metrics.escalations.inc({ tier: String(step.toTier) });
        } else {
          report.stopped++;
        }
      }
      if (steps.length < this.settings.sweepBatchSize || this.stopped) break;
    }
    if (report.escalated > 0) void this.relay.wake();
    report.receiptsTimedOut = await this.expireReceipts(now);
    const { planned, emails } = await this.sendDigests(now);
    report.digestsPlanned = planned;
    report.digestEmails = emails;
    return report;
  }

  /** An SMS the provider accepted but did not report delivered in time has failed, for escalation. */
  private async expireReceipts(now: Date): Promise<number> {
    if (!this.settings.smsEnabled || !this.callbackUrl.get() || this.settings.smsDeliveryTimeoutMs <= 0)
      return 0;
    const before = new Date(now.getTime() - this.settings.smsDeliveryTimeoutMs);
    const ids = await this.deliveries.findAwaitingReceiptSince(before, this.settings.sweepBatchSize);
    for (const providerMessageId of ids) {
      const outcome = await this.delivery.recordReceipt({
        providerMessageId,
        status: 'no-receipt',
        errorCode: null,
        at: now,
        source: 'notifier',
        detail: { timeoutMs: this.settings.smsDeliveryTimeoutMs },
        smsEnabled: this.settings.smsEnabled,
      });
      this.metrics.receipts.inc({ status: 'no-receipt' });
      if (outcome?.changed && outcome.state === 'failed') await this.failover.handle('sms', outcome);
    }
    return ids.length;
  }

  private async sendDigests(now: Date): Promise<{ planned: number; emails: number }> {
    let planned = 0;
    for (const site of await this.digests.sites()) {
      const { scheduledFor, periodStart } = latestDigest(now, site.timeZone, this.settings.digestLocalTime);
      if (await this.digests.createDigest(site.id, scheduledFor, periodStart, now)) planned++;
    }
    let emails = 0;
    const pending = await this.digests.pending(this.settings.sweepBatchSize, this.settings.digestMaxAttempts);
    for (const digest of pending) {
      if (this.stopped || !(await this.digests.take(digest.id))) continue;
      const email = renderDigestEmail({
        count: digest.alertCount,
        link: `${this.settings.publicBaseUrl}/alerts?severity=info`,
      });
      try {
        const receipt = await this.mail.send({ to: digest.address, ...email });
        await this.digests.recordSend({
          id: digest.id,
          sent: true,
          final: true,
          providerResponse: receipt.response,
          at: this.clock.now(),
        });
        this.metrics.digests.inc({ outcome: 'sent' });
        emails++;
      } catch (error) {
        const final = digest.attempts + 1 >= this.settings.digestMaxAttempts;
        await this.digests.recordSend({
          id: digest.id,
          sent: false,
          final,
          providerResponse: (error as Error).message,
          at: this.clock.now(),
        });
        this.metrics.digests.inc({ outcome: final ? 'failed' : 'retry' });
      }
    }
    return { planned, emails };
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}

function emptyReport(): SweepReport {
  return { escalated: 0, stopped: 0, receiptsTimedOut: 0, digestsPlanned: 0, digestEmails: 0 };
}
