import { type AppConfig } from '@alem/runtime';

/** How the scheduler sweeps; from the configuration, overridable per module (tests, demo, benchmark). */
export interface SchedulerSettings {
  /** Sweep every this many ms; 0: no timer (tests and the benchmark call `MonitoringSweepService.sweep`). */
  sweepIntervalMs: number;
  /** Patients per batch transaction (their rows stay locked for its duration). */
  batchSize: number;
  /** Batches per sweep at most, so one sweep ends even while new work keeps arriving. */
  maxBatchesPerSweep: number;
  /** Feeds per feed-sweep transaction. */
  feedBatchSize: number;
  /** Relearn a feed's rhythm from its silences when the last learning is older than this (clock time). */
  feedRhythmRefreshMs: number;
  /** A patient whose evaluation failed is tried again after this long (clock time). */
  retryFailedAfterMs: number;
  /** The expectation-status gauges are recounted at most this often (wall time). */
  gaugeRefreshMs: number;
}

export const SCHEDULER_SETTINGS = Symbol('SCHEDULER_SETTINGS');

export function schedulerSettings(
  config: AppConfig,
  overrides: Partial<SchedulerSettings> = {},
): SchedulerSettings {
  return {
    sweepIntervalMs: config.scheduler.sweepIntervalMs,
    batchSize: config.scheduler.batchSize,
    maxBatchesPerSweep: 1000,
    feedBatchSize: 100,
    feedRhythmRefreshMs: 6 * 3_600_000,
    retryFailedAfterMs: 15 * 60_000,
    gaugeRefreshMs: 60_000,
    ...overrides,
  };
}
