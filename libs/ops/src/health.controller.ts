import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '@alem/access';
import { KafkaHealthIndicator, PostgresHealthIndicator, RedisHealthIndicator } from './dependency.indicators';
import { OPS_OPTIONS, type OpsOptions } from './ops.options';

/** Liveness and readiness, for orchestrators and load balancers: no data, so no sign-in. */
@ApiTags('ops')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: every dependency this app needs answers (503 otherwise)' })
  @ApiOkResponse({ description: 'All dependencies up' })
  @ApiServiceUnavailableResponse({ description: 'At least one dependency down' })
  check(): Promise<HealthCheckResult> {
    const indicators = { postgres: this.postgres, redis: this.redis, kafka: this.kafka };
    return this.health.check(this.options.checks.map((name) => () => indicators[name].check()));
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers HTTP' })
  @ApiOkResponse({ description: 'Alive' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
