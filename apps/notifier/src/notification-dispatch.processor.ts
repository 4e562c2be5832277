import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { type DispatchJob, JOBS, QUEUES } from '@alem/notifications';
import { Clock } from '@alem/runtime';
import { DispatchService } from './dispatch.service';
import { NotifierMetrics } from './notifier.metrics';
import { NOTIFIER_SETTINGS, type NotifierSettings } from './notifier.settings';
import { OutboxRelay } from './outbox-relay';

/**
 * Expands one outbox notification into deliveries: the people its tier of the alert's pinned escalation policy
 * names, on the channels the severity uses first. Creating them is idempotent (unique per notification and
 * contact), so a retried job creates none twice; the first run also starts the escalation timer, or, when
 * nobody at the tier can be reached, tells the admins and lets the next tier take over at once. Due deliveries
 * are queued with job id = delivery id.
 */
@Processor(QUEUES.dispatch, { concurrency: 4 })
export class NotificationDispatchProcessor extends WorkerHost {
  private readonly logger = new Logger(NotificationDispatchProcessor.name);

  constructor(
    private readonly dispatches: DispatchService,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly metrics: NotifierMetrics,
    @Inject(NOTIFIER_SETTINGS) private readonly settings: NotifierSettings,
  ) {
    super();
  }

  async process(job: Job<DispatchJob>): Promise<string> {
    if (job.name !== JOBS.dispatch) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const dispatch = {
      warningGroupWindowMs: this.settings.warningGroupWindowMs,
      smsEnabled: this.settings.smsEnabled,
    };
    const plan = await this.dispatches.loadPlan(job.data.notificationId, dispatch);
    if (!plan) return 'unknown notification';
    if (plan.state === 'cancelled') return 'cancelled';
    // Acknowledged or resolved meanwhile: nobody needs to hear about it (the notification is closed as done).
    if (plan.alertState !== 'open') plan.recipients = [];
    const outcome = await this.dispatches.createDeliveries(plan, this.clock.now(), dispatch);
    if (outcome.unreachable) {
      this.metrics.unreachable.inc();
      this.logger.error(
        `alert ${plan.alertReference}: nobody at tier ${plan.tier} has a verified contact; admins alerted` +
          (outcome.hurried ? ', next tier paged now' : ''),
      );
    }
    if (outcome.due.length > 0) await this.relay.enqueueDeliveries(outcome.due, this.clock.now());
    return `${outcome.due.length} deliveries queued (tier ${plan.tier})`;
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
