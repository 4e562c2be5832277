import { Injectable } from '@nestjs/common';
import { Clock } from '@alem/runtime';
import { type FailoverOutcome } from './delivery.service';
import { NotifierMetrics } from './notifier.metrics';
import { OutboxRelay } from './outbox-relay';

/**
 * After a delivery failed for good (last retry, permanent refusal, undelivered or no receipt in time): counts it
 * as dead-lettered (the failed delivery row is the record an admin can replay) and queues the person's next
 * channel at once. The next tier was already hurried in the failing transaction.
 */
@Injectable()
export class FailoverHandler {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly metrics: NotifierMetrics,
  ) {}

  async handle(channel: string, failover: FailoverOutcome): Promise<void> {
    this.metrics.deadLettered.inc({ channel });
    if (failover.unreachable.length > 0) this.metrics.unreachable.inc(failover.unreachable.length);
    if (failover.fallbacks.length > 0) {
      this.metrics.fallbacks.inc(failover.fallbacks.length);
      await this.relay.enqueueDeliveries(failover.fallbacks, this.clock.now());
    }
  }
}
