import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@alem/runtime';
import { LabResultConsumer } from './lab-result.consumer';
import { ResultProcessorModule } from './result-processor.module';

/** Run alone: the app's work, plus GET /health and GET /metrics on HTTP_PORT (0: any free port). */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create(ResultProcessorModule.forRoot({ config }), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  // A processor whose consumer cannot be restarted does nothing: it ends (exit 1) rather than stay up idle, so
  // that the orchestrator (compose's `restart`, Kubernetes) starts a fresh one and counts the restart.
  void app.get(LabResultConsumer).stoppedForGood.then(async () => {
    setTimeout(() => process.exit(1), 15000).unref();
    await app.close().catch(() => undefined);
    process.exit(1);
  });
  await app.listen(config.http.port);
}

void bootstrap();
