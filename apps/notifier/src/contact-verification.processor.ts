import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { ContactVerificationRepository } from '@alem/persistence';
import {
  classifyMailFailure,
  classifySmsFailure,
  JOBS,
  MailDriver,
  QUEUES,
  renderVerificationEmail,
  renderVerificationSms,
  SmsDriver,
  verificationCode,
  type VerificationJob,
} from '@alem/notifications';
import { Clock } from '@alem/runtime';
import { NotifierMetrics } from './notifier.metrics';
import { NOTIFIER_SETTINGS, type NotifierSettings } from './notifier.settings';

/**
 * Sends a contact point's test message: a six-digit code, through the channel being verified, that the person
 * enters in the admin API once signed in. The code is derived from the verification id (nothing secret is
 * stored), so a retried job sends the same code.
 */
@Processor(QUEUES.verification, { concurrency: 2 })
export class ContactVerificationProcessor extends WorkerHost {
  private readonly logger = new Logger(ContactVerificationProcessor.name);

  constructor(
    private readonly verifications: ContactVerificationRepository,
    private readonly mail: MailDriver,
    private readonly sms: SmsDriver,
    private readonly clock: Clock,
    private readonly metrics: NotifierMetrics,
    @Inject(NOTIFIER_SETTINGS) private readonly settings: NotifierSettings,
  ) {
    super();
  }

  async process(job: Job<VerificationJob>): Promise<string> {
    if (job.name !== JOBS.sendVerification) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const v = await this.verifications.load(job.data.verificationId);
    if (!v) return 'unknown verification';
    if (v.state !== 'requested') return `already ${v.state}`;
    const now = this.clock.now();
    if (v.currentAddress !== v.address || v.expiresAt.getTime() <= now.getTime()) {
      await this.verifications.recordSend({
        id: v.id,
        outcome: 'skipped',
        final: true,
        providerResponse: v.currentAddress !== v.address ? 'the address changed' : 'expired before sending',
        at: now,
      });
      return 'skipped';
    }
    const fields = {
      code: verificationCode(this.settings.ackTokenSecret, v.id),
      expiresInHours: (v.expiresAt.getTime() - now.getTime()) / 3_600_000,
    };
    try {
      const response =
        v.channel === 'email'
          ? (await this.mail.send({ to: v.address, ...renderVerificationEmail(fields) })).response
          : (
              await this.sms.send({
                to: v.address,
                body: renderVerificationSms(fields),
                statusCallback: null,
              })
            ).response;
      await this.verifications.recordSend({
        id: v.id,
        outcome: 'sent',
        final: true,
        providerResponse: response,
        at: this.clock.now(),
      });
      this.metrics.verifications.inc({ channel: v.channel, outcome: 'sent' });
      return 'sent';
    } catch (error) {
      const kind = v.channel === 'sms' ? classifySmsFailure(error) : classifyMailFailure(error);
      const final = kind === 'permanent' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = kind === 'permanent' ? 'permanent-failure' : 'transient-failure';
      await this.verifications.recordSend({
        id: v.id,
        outcome,
        final,
        providerResponse: (error as Error).message,
        at: this.clock.now(),
      });
      this.metrics.verifications.inc({ channel: v.channel, outcome });
      this.logger.warn(`contact verification ${v.id} (${v.channel}): ${outcome}${final ? ', final' : ''}`);
      if (kind === 'permanent') throw new UnrecoverableError((error as Error).message);
      throw error;
    }
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
