import path from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { loadConfig } from '@alem/runtime';
import { AdminApiModule } from './admin-api.module';

/** Where the checked-in OpenAPI document lives (a test fails when it no longer matches the code). */
export const OPENAPI_FILE = path.resolve(__dirname, '../openapi.json');

/** The admin API's OpenAPI 3 document, from its controllers and zod DTOs. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Alemtuzumab lab-result safety alerts: admin API')
    .setDescription(
      [
        'Patients and enrolment, care teams, people and contact points, alerts (acknowledge, resolve, reopen),',
        'notifications and delivery attempts, dead-lettered messages, sender registrations (time zones) and',
        'code mappings, rule sets and site overrides, the monitoring schedule (expectations, suspensions, lab',
        'feeds), and the hash-chained audit log.',
        '',
        'Sign in with `POST /auth/login` and send the token as `Authorization: Bearer <token>`. Every route',
        'names the roles it allows (`x-roles`); anything else is refused. Errors have the shape',
        '`{ statusCode, error, message, details? }`. Lists page with `limit`/`offset` and return `total`;',
        'the auditor’s lists also export CSV (`?format=csv` or `Accept: text/csv`).',
      ].join('\n'),
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .build();
  return cleanupOpenApiDoc(SwaggerModule.createDocument(app, config));
}

/**
 * The admin API's module graph without starting anything (Nest's preview mode: no provider is instantiated,
 * so no database or broker is needed): enough to build the OpenAPI document and list the routes.
 */
export async function createPreviewApp(): Promise<INestApplication> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  return NestFactory.create(AdminApiModule.forRoot({ config }), {
    preview: true,
    logger: false,
    bodyParser: false,
    abortOnError: false,
  });
}
