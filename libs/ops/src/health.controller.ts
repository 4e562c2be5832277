import { Controller, Get, Inject, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { IdentifiesCaller, type Principal, Public } from '@alem/access';
import {
  ConsumerHealthIndicator,
  KafkaHealthIndicator,
  PostgresHealthIndicator,
  RedisHealthIndicator,
} from './dependency.indicators';
import { OPS_OPTIONS, type OpsOptions } from './ops.options';

/**
 * Liveness and readiness, for orchestrators and load balancers: no data, so no sign-in. A dependency that is
 * down is named with its status only; why (the driver's error, which can name hosts, ports and users) is told
 * to a signed-in admin alone (the admin API identifies callers here; the other apps have nobody to tell).
 */
@ApiTags('ops')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    private readonly consumer: ConsumerHealthIndicator,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
  ) {}

  @Get()
  @HealthCheck()
  @IdentifiesCaller()
  @ApiOperation({ summary: 'Readiness: every dependency this app needs answers (503 otherwise)' })
  @ApiOkResponse({ description: 'All dependencies up' })
  @ApiServiceUnavailableResponse({
    description: 'At least one dependency down (why, to a signed-in admin only)',
  })
  async check(@Req() request: { principal?: Principal }): Promise<HealthCheckResult> {
    const indicators = {
      postgres: this.postgres,
      redis: this.redis,
      kafka: this.kafka,
      consumer: this.consumer,
    };
    try {
      return await this.health.check(this.options.checks.map((name) => () => indicators[name].check()));
    } catch (error) {
      const isAdmin = (request.principal?.roles as readonly string[] | undefined)?.includes('admin') === true;
      if (!(error instanceof ServiceUnavailableException) || isAdmin) throw error;
      throw new ServiceUnavailableException(statusesOnly(error.getResponse() as HealthCheckResult));
    }
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers HTTP' })
  @ApiOkResponse({ description: 'Alive' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

/** The report with each dependency's status and nothing else (a consumer's `state` too: a word of a fixed list). */
function statusesOnly(report: HealthCheckResult): HealthCheckResult {
  const strip = (part: HealthCheckResult['info']) =>
    part &&
    Object.fromEntries(
      Object.entries(part).map(([name, result]) => [
        name,
        {
          status: result?.status ?? 'down',
          ...(typeof result?.state === 'string' ? { state: result.state } : {}),
        },
      ]),
    );
  return {
    status: report.status,
    info: strip(report.info),
    error: strip(report.error),
    details: strip(report.details)!,
  };
}
