import { type INestApplication } from '@nestjs/common';

/**
 * The REST API lives under a versioned prefix so that the console owns every other path, in particular the
 * ones that alert messages link to (`/alerts/REF`, `/acknowledgements/TOKEN`). Probes and the metrics scrape
 * stay where orchestrators and Prometheus expect them.
 */
export const API_PREFIX = '/api/v1';
export const UNPREFIXED_ROUTES = ['/health', '/health/live', '/metrics'] as const;

/** The path a controller route is served at (`/alerts/:id` → `/api/v1/alerts/:id`). */
export function servedPath(routePath: string): string {
  return (UNPREFIXED_ROUTES as readonly string[]).includes(routePath)
    ? routePath
    : `${API_PREFIX}${routePath}`;
}

export function applyApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES.map((p) => p.slice(1)) });
}
