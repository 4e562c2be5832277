import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@alem/runtime';
import { createNotifierApp, listenNotifier } from './notifier.app';

/**
 * Run alone: the app's work, plus POST /sms/status (SMS receipts), GET /health and GET /metrics on HTTP_PORT
 * (0: any free port).
 */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createNotifierApp({ config }, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await listenNotifier(app, config.http.port);
}

void bootstrap();
