import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@alem/runtime';
import { MonitoringSchedulerModule } from './monitoring-scheduler.module';

/** Run alone: the app's work, plus GET /health and GET /metrics on HTTP_PORT (0: any free port). */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create(MonitoringSchedulerModule.forRoot({ config }), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.http.port);
}

void bootstrap();
