import { type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { type RuntimeOptions } from '@alem/runtime';
import { AdminApiModule } from './admin-api.module';
import { applyApiPrefix } from './api-prefix';
import { consoleDirectory, consoleMiddleware } from './console-files';
import { expressErrorHandler } from './common/api-exception.filter';
import { buildOpenApiDocument } from './openapi';
import { securityHeaders } from './security-headers';

/**
 * Express-level settings of the admin API: JSON bodies only, up to API_BODY_LIMIT_BYTES (larger → 413,
 * malformed → 400, both in the API's error shape), the proxy trust that makes the audited source IP right,
 * security headers, the `/api/v1` prefix, the OpenAPI UI at /api/docs (JSON at /api/docs-json) when API_DOCS
 * says so, and the console on every other path.
 */
export function configureAdminApi(app: NestExpressApplication, options: RuntimeOptions): void {
  const { config } = options;
  app.disable('x-powered-by');
  // A number of hops, never `true`: with `true` the leftmost X-Forwarded-For entry, which the client writes,
  // would be its address (audited, throttled).
  app.set('trust proxy', config.api.trustProxyHops);
  app.use(securityHeaders(config));
  app.useBodyParser('json', { limit: config.api.bodyLimitBytes });
  // Right after the parser, before any route: its errors never reach Nest's exception filters.
  app.use(expressErrorHandler);
  app.use(consoleMiddleware(consoleDirectory()));
  applyApiPrefix(app);
  // Off by default in production: the document maps every route and role for whoever asks (API_DOCS).
  if (config.api.docs) {
    SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
      jsonDocumentUrl: 'api/docs-json',
      yamlDocumentUrl: 'api/docs-yaml',
    });
  }
}

/** The admin API as an HTTP application, configured but not yet listening (main, tests, the demo). */
export async function createAdminApiApp(
  options: RuntimeOptions,
  nestOptions: NestApplicationOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AdminApiModule.forRoot(options), {
    ...nestOptions,
    bodyParser: false,
  });
  configureAdminApi(app, options);
  return app;
}
