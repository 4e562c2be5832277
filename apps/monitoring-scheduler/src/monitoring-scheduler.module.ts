import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { OpsModule } from '@alem/ops';
import { DatabaseModule } from '@alem/persistence';
import { loggerParams, RuntimeModule, type RuntimeOptions } from '@alem/runtime';
import { ExpectationSweepService } from './expectation-sweep.service';
import { FeedSweepService } from './feed-sweep.service';
import { MonitoringSweepService } from './monitoring-sweep.service';
import { MonitoringMetrics } from './monitoring.metrics';
import { SCHEDULER_SETTINGS, type SchedulerSettings, schedulerSettings } from './scheduler-settings';

export interface MonitoringSchedulerOptions extends RuntimeOptions {
  /** Overrides of the sweep settings from the configuration (tests: `sweepIntervalMs: 0`, small batches). */
  scheduler?: Partial<SchedulerSettings>;
}

/**
 * The monitoring scheduler: the monitoring schedule of every enrolled patient (expectations), missed-result
 * alerts through the alert path, and quiet lab feeds. `MonitoringSweepService.sweep()` runs one sweep.
 */
@Module({})
export class MonitoringSchedulerModule {
  static forRoot(options: MonitoringSchedulerOptions): DynamicModule {
    return {
      module: MonitoringSchedulerModule,
      imports: [
        RuntimeModule.forRoot(options),
        LoggerModule.forRoot(loggerParams(options.config, 'monitoring-scheduler')),
        DatabaseModule.forRoot({
          url: options.config.database.url,
          poolSize: options.config.database.poolSize,
          applicationName: 'monitoring-scheduler',
        }),
        // GET /health and GET /metrics when the app serves HTTP (main.ts).
        OpsModule.forRoot({ checks: ['postgres'] }),
      ],
      providers: [
        { provide: SCHEDULER_SETTINGS, useValue: schedulerSettings(options.config, options.scheduler) },
        MonitoringMetrics,
        ExpectationSweepService,
        FeedSweepService,
        MonitoringSweepService,
      ],
      exports: [MonitoringSweepService, ExpectationSweepService, FeedSweepService],
    };
  }
}
