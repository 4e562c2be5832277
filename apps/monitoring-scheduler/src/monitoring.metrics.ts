import { Injectable } from '@nestjs/common';
import { counter, gauge, histogram } from '@alem/runtime';

/** Prometheus metrics of the monitoring scheduler. */
@Injectable()
export class MonitoringMetrics {
  readonly expectations = gauge({
    name: 'alem_monitoring_expectations',
    help: 'Stored monitoring expectations by status (refreshed after sweeps, at most once a minute)',
    labelNames: ['status'] as const,
  });
  readonly sweepSeconds = histogram({
    name: 'alem_monitoring_sweep_seconds',
    help: 'Duration of one monitoring sweep (feeds, then due patients in batches)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  readonly batchSeconds = histogram({
    name: 'alem_monitoring_batch_seconds',
    help: 'Duration of one batch transaction of due patients (claim, load, evaluate, store)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  readonly patientsSwept = counter({
    name: 'alem_monitoring_patients_swept_total',
    help: 'Patients whose expectations the scheduler evaluated',
  });
  readonly evaluationFailures = counter({
    name: 'alem_monitoring_evaluation_failures_total',
    help: 'Patient evaluations that failed and were postponed, by kind (compute, batch)',
    labelNames: ['kind'] as const,
  });
  readonly alertChanges = counter({
    name: 'alem_monitoring_alert_changes_total',
    help: 'Missed-result and feed alert changes, by rule and change (opened, raised, updated, resolved)',
    labelNames: ['rule', 'change'] as const,
  });
  readonly feedsQuiet = gauge({
    name: 'alem_monitoring_feeds_quiet',
    help: 'Lab feeds that are quiet now (holding: still holding their patients’ missed-result alerts)',
    labelNames: ['holding'] as const,
  });
}
