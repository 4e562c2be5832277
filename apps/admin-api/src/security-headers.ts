import { type RequestHandler } from 'express';
import helmet from 'helmet';
import { type AppConfig } from '@alem/runtime';

/**
 * The one Content-Security-Policy of everything the admin API serves: the console's pages, the API's JSON and
 * the OpenAPI UI. Scripts, styles, fonts and data only from this origin, never framed, no inline script.
 * Mantine (and the OpenAPI UI) set inline styles, hence `'unsafe-inline'` for styles alone.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Security headers of every response (helmet): the CSP above, never framed or sniffed, no referrer, and
 * HSTS only where the API is reached over TLS (PUBLIC_BASE_URL https; over plain HTTP a browser ignores it,
 * and on localhost it would pin the name to https for a year). Responses carry patient data: never cached
 * (the console's hashed assets say otherwise for themselves).
 */
export function securityHeaders(config: AppConfig): RequestHandler[] {
  const behindTls = config.links.publicBaseUrl.startsWith('https:');
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      strictTransportSecurity: behindTls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
    (_request, response, next) => {
      response.setHeader('Cache-Control', 'no-store');
      next();
    },
  ];
}
