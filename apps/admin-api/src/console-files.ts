import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { UNPREFIXED_ROUTES } from './api-prefix';

/**
 * Where the built console is: dist/console beside the compiled admin API (dist/apps/admin-api/src), or the
 * repository's dist/console when the admin API runs from its TypeScript sources (tests).
 */
export function consoleDirectory(): string | null {
  const candidates = [
    path.resolve(__dirname, '../../../console'),
    path.resolve(__dirname, '../../../dist/console'),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

/** `/api/…` (the versioned API and its docs) and the probes belong to the API, never to the console. */
function isApiPath(p: string): boolean {
  return (
    p === '/api' ||
    p.startsWith('/api/') ||
    (UNPREFIXED_ROUTES as readonly string[]).includes(p.replace(/\/$/, ''))
  );
}

/**
 * Serves the console on every path the API does not own: its hashed assets (cached for a year, immutable),
 * and for any other page its index.html (the console's router takes it from there: `/alerts/REF` and
 * `/acknowledgements/TOKEN` from alert messages open their pages). Without a built console, pages answer 503
 * with how to build it; API paths are never touched.
 */
export function consoleMiddleware(directory: string | null) {
  const assets = directory
    ? express.static(directory, {
        index: false,
        fallthrough: true,
        setHeaders(response, file) {
          if (file.includes(`${path.sep}assets${path.sep}`)) {
            response.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
          }
        },
      })
    : null;
  return (request: Request, response: Response, next: NextFunction): void => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isApiPath(request.path)) {
      next();
      return;
    }
    const page = () => {
      if (!request.accepts('html')) {
        next();
        return;
      }
      if (!directory) {
        response
          .status(503)
          .type('text/plain')
          .send('The console is not built. Run `npm run build` (or `npm start`), then reload.');
        return;
      }
      response.sendFile(path.join(directory, 'index.html'));
    };
    if (!assets) {
      page();
      return;
    }
    assets(request, response, (error?: unknown) => (error ? next(error) : page()));
  };
}
