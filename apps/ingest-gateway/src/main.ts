import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@alem/runtime';
import { createIngestGatewayApp } from './ingest-gateway.app';

/** The gateway alone: the MLLP listener (MLLP_PORT) and the HTTP intake with /health and /metrics (GATEWAY_HTTP_PORT). */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createIngestGatewayApp({ config });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.gateway.http.port);
}

void bootstrap();
