import { Injectable } from '@nestjs/common';
import { counter } from '@alem/runtime';

@Injectable()
export class NotifierMetrics {
  readonly deliveries = counter({
    name: 'alem_delivery_attempts_total',
    help: 'Delivery attempts by channel and outcome (sent, transient-failure, permanent-failure, skipped)',
    labelNames: ['channel', 'outcome'] as const,
  });
  readonly unrecordedSends = counter({
    name: 'alem_delivery_unrecorded_sends_total',
    help: 'Messages the provider accepted whose record the database refused at first (recorded later, not resent)',
    labelNames: ['channel'] as const,
  });
  readonly rerunJobs = counter({
    name: 'alem_notifier_job_reruns_total',
    help: 'Jobs that had ended (stalled out, or failed on an outage) while Postgres still owed their work, run again',
    labelNames: ['queue', 'state'] as const,
  });
  readonly failures = counter({
    name: 'alem_delivery_failures_total',
    help: 'Failed delivery attempts by channel and kind (transient: retried; permanent: given up at once)',
    labelNames: ['channel', 'kind'] as const,
  });
  readonly deadLettered = counter({
    name: 'alem_deliveries_dead_lettered_total',
    help: 'Deliveries that failed for good (after the last retry, a permanent refusal, or no SMS receipt in time)',
    labelNames: ['channel'] as const,
  });
  readonly receipts = counter({
    name: 'alem_sms_receipts_total',
    help: 'SMS delivery receipts by status (delivered, undelivered, failed, no-receipt ...)',
    labelNames: ['status'] as const,
  });
  readonly receiptsRefused = counter({
    name: 'alem_sms_receipts_refused_total',
    help: 'SMS status callbacks refused for a missing or wrong signature',
  });
  readonly escalations = counter({
    name: 'alem_escalations_total',
    help: 'Escalation steps taken by the sweep, by the tier paged',
    labelNames: ['tier'] as const,
  });
  readonly unreachable = counter({
    name: 'alem_unreachable_alerts_total',
    help: 'Times nobody at a tier could be reached (an unreachable alert opened or recurred for the admins)',
  });
  readonly summarised = counter({
    name: 'alem_deliveries_coalesced_total',
    help: 'Rate limit and grouping: deliveries held for a summary, and deliveries carried by a summary message',
    labelNames: ['channel', 'action'] as const,
  });
  readonly fallbacks = counter({
    name: 'alem_delivery_fallbacks_total',
    help: 'Deliveries created on a person’s next channel after a delivery failed for good',
  });
  readonly relayed = counter({
    name: 'alem_outbox_relayed_total',
    help: 'Outbox rows put on BullMQ queues, by queue',
    labelNames: ['queue'] as const,
  });
  readonly relayFailures = counter({
    name: 'alem_outbox_relay_failures_total',
    help: 'Relay cycles that failed (Redis or Postgres unavailable); the rows stay in the outbox',
  });
  readonly digests = counter({
    name: 'alem_digest_emails_total',
    help: 'Daily digest emails of informational alerts, by outcome',
    labelNames: ['outcome'] as const,
  });
  readonly verifications = counter({
    name: 'alem_contact_verifications_sent_total',
    help: 'Contact verification messages by channel and outcome',
    labelNames: ['channel', 'outcome'] as const,
  });
}
