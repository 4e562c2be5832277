import { Injectable } from '@nestjs/common';
import { counter, histogram } from '@alem/runtime';

/** Prometheus metrics of the result processor. */
@Injectable()
export class ProcessorMetrics {
  readonly messages = counter({
    name: 'alem_processor_messages_total',
    help: 'Kafka messages taken by the result processor, by outcome',
    labelNames: ['outcome'] as const,
  });
  readonly results = counter({
    name: 'alem_results_total',
    help: 'Lab results seen by the result processor, by outcome (stored, duplicate, not_enrolled; derived: counts computed from a differential in percent)',
    labelNames: ['outcome'] as const,
  });
  readonly enrolmentChecks = counter({
    name: 'alem_processor_enrolment_checks_total',
    help: 'Batches whose not-enrolled results were looked up in Postgres because the enrolment cache was not confirmed (its listener down, or a change not reloaded yet), by outcome (enrolled_found: some were enrolled and were taken; none_enrolled)',
    labelNames: ['outcome'] as const,
  });
  readonly alerts = counter({
    name: 'alem_alert_changes_total',
    help: 'Alert changes made by rule decisions, by rule, severity and change (opened, occurrence, severity_raised)',
    labelNames: ['rule', 'severity', 'change'] as const,
  });
  readonly notGraded = counter({
    name: 'alem_results_not_graded_total',
    help: 'New results of enrolled patients the rule engine did not grade, by reason (deleted, unmapped, not watched ...)',
    labelNames: ['reason'] as const,
  });
  readonly recoveries = counter({
    name: 'alem_alert_recoveries_total',
    help: 'Results back in range for a rule with an open alert (recorded on its timeline; the alert stays open)',
  });
  readonly administrations = counter({
    name: 'alem_administrations_total',
    help: 'Medication administration records taken by the administration intake, by outcome (kept, enrolled, unmapped: a patient nobody could be enrolled to, replanned: courses rewritten, other_medication, dead_lettered)',
    labelNames: ['outcome'] as const,
  });
  readonly batchSeconds = histogram({
    name: 'alem_processor_batch_seconds',
    help: 'Time to take one Kafka batch, from receipt to database commit',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  readonly batchFailures = counter({
    name: 'alem_processor_batch_failures_total',
    help: 'Batches that failed and will be delivered again, by kind (transient, data)',
    labelNames: ['kind'] as const,
  });
  readonly consumerRestarts = counter({
    name: 'alem_processor_consumer_restarts_total',
    help: 'Restarts of the Kafka consumer after a crash, by who restarts it (kafkajs: a retriable error; processor: an error kafkajs will not retry)',
    labelNames: ['by'] as const,
  });
}
