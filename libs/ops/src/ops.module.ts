import { type DynamicModule, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { ConsumerLagCollector } from './consumer-lag.collector';
import {
  ConsumerHealthIndicator,
  KafkaHealthIndicator,
  PostgresHealthIndicator,
  RedisHealthIndicator,
} from './dependency.indicators';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { OPS_OPTIONS, type OpsOptions } from './ops.options';

/** Node's process metrics, once per process however many apps it runs (the demo, tests). */
@Injectable()
class DefaultMetrics implements OnModuleInit {
  onModuleInit(): void {
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
  }
}

/**
 * `GET /health` (readiness: the dependencies the app names), `GET /health/live`, and `GET /metrics`
 * (prom-client's default registry, where every app's metrics live). Every app imports it; in an application
 * context (tests, the demo) the controllers are simply not served, and nothing connects until checked.
 */
@Module({})
export class OpsModule {
  static forRoot(options: OpsOptions): DynamicModule {
    return {
      module: OpsModule,
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'pretty' }),
        // Default metrics are registered by DefaultMetrics, guarded: registering them twice throws.
        PrometheusModule.register({ controller: MetricsController, defaultMetrics: { enabled: false } }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: OPS_OPTIONS, useValue: options },
        PostgresHealthIndicator,
        RedisHealthIndicator,
        KafkaHealthIndicator,
        ConsumerHealthIndicator,
        ConsumerLagCollector,
        DefaultMetrics,
      ],
      // The app tells it which consumer to watch.
      exports: [ConsumerHealthIndicator],
    };
  }
}
