import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@alem/runtime';
import { createAdminApiApp } from './admin-api.app';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createAdminApiApp({ config }, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.http.port);
}

void bootstrap();
