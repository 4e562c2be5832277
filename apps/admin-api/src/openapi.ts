import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { loadConfig } from '@alem/runtime';
import { AdminApiModule } from './admin-api.module';
import { applyApiPrefix } from './api-prefix';

/** Where the checked-in OpenAPI document lives (a test fails when it no longer matches the code). */
export const OPENAPI_FILE = path.resolve(__dirname, '../openapi.json');
/** The console's typed client, generated from the document by openapi-typescript (a test fails when stale). */
export const CONSOLE_API_TYPES_FILE = path.resolve(__dirname, '../../console/src/api/schema.d.ts');

/** The console's API types as openapi-typescript writes them from the checked-in document. */
export function generateConsoleApiTypes(): string {
  // The CLI (an ES module) in its own process: the same output `npm run openapi` writes.
  const cli = path.join(path.dirname(require.resolve('openapi-typescript')), '..', 'bin', 'cli.js');
  return execFileSync(process.execPath, [cli, OPENAPI_FILE], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

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
        'Sign in with `POST /api/v1/auth/login` and send the token as `Authorization: Bearer <token>`. Every route',
        'names the roles it allows (`x-roles`); anything else is refused. Errors have the shape',
        '`{ statusCode, error, message, details? }`. Lists page with `limit`/`offset` and return `total`;',
        'the auditor’s lists also export CSV (`?format=csv` or `Accept: text/csv`). The FHIR R4 routes',
        '(`/api/v1/fhir/R4`: alerts as DetectedIssues) answer `application/fhir+json`, errors as OperationOutcomes.',
      ].join('\n'),
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .build();
  return cleanupOpenApiDoc(restoreNullableScalars(SwaggerModule.createDocument(app, config)));
}

/** nestjs-zod's mark on a property whose zod type is a list of types (`['string', 'null']`). */
const ZOD_TYPE_LIST_MARK = 'x-nestjs_zod-empty-type';

/**
 * Nest's schema explorer reads the `type: ['string', 'null']` that nestjs-zod writes for a nullable field of a
 * top-level DTO as an array (`type: 'array', items: { type: 'string' }`), so a nullable string came out as a
 * list of strings (and the typed client with it). nestjs-zod marks such properties; this writes them back as
 * the nullable scalar they are, in the document's OpenAPI 3.0 form.
 */
function restoreNullableScalars(doc: OpenAPIObject): OpenAPIObject {
  for (const schema of Object.values(doc.components?.schemas ?? {})) {
    const properties = (schema as { properties?: Record<string, Record<string, unknown>> }).properties ?? {};
    for (const [name, property] of Object.entries(properties)) {
      const items = property.items as Record<string, unknown> | undefined;
      if (!property[ZOD_TYPE_LIST_MARK] || property.type !== 'array' || !items) continue;
      if (typeof items.type !== 'string' || items.type === 'array' || items.type === 'object') continue;
      const { type: _type, items: _items, ...rest } = property;
      properties[name] = { ...rest, ...items, nullable: true };
    }
  }
  return doc;
}

/**
 * The admin API's module graph without starting anything (Nest's preview mode: no provider is instantiated,
 * so no database or broker is needed): enough to build the OpenAPI document and list the routes.
 */
export async function createPreviewApp(): Promise<INestApplication> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const app = await NestFactory.create(AdminApiModule.forRoot({ config }), {
    preview: true,
    logger: false,
    bodyParser: false,
    abortOnError: false,
  });
  applyApiPrefix(app);
  return app;
}
