import { type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type Request } from 'express';
import { FHIR_JSON } from '@alem/fhir';
import { type RuntimeOptions } from '@alem/runtime';
import { ingestBodyErrorHandler } from './http/ingest-exception.filter';
import { HL7_MEDIA_TYPES, mediaType } from './http/result-submission.service';
import { IngestGatewayModule } from './ingest-gateway.module';

/**
 * Express settings of the gateway's HTTP side: HL7 bodies are read as raw bytes (produced as sent), JSON and
 * FHIR JSON as JSON, both up to GATEWAY_MAX_BODY_BYTES (larger → 413, malformed JSON → 400, in the error body shape).
 */
export function configureIngestGateway(app: NestExpressApplication, options: RuntimeOptions): void {
  const limit = options.config.gateway.http.maxBodyBytes;
  app.disable('x-powered-by');
  app.useBodyParser('raw', {
    limit,
    type: (request: Request) => HL7_MEDIA_TYPES.includes(mediaType(request.headers['content-type'])),
  });
  app.useBodyParser('json', { limit, type: ['application/json', FHIR_JSON] });
  // Right after the parsers, before any route: their errors never reach Nest's exception filters.
  app.use(ingestBodyErrorHandler);
}

/** The gateway as an HTTP application (the MLLP listener included), configured but not yet listening. */
export async function createIngestGatewayApp(
  options: RuntimeOptions,
  nestOptions: NestApplicationOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(IngestGatewayModule.forRoot(options), {
    bufferLogs: true,
    ...nestOptions,
    bodyParser: false,
  });
  configureIngestGateway(app, options);
  return app;
}
