import { type Params } from 'nestjs-pino';
import { type AppConfig } from './config';

/**
 * Paths that may carry identifiers or contact details. Logs name records by their database ids; anything that
 * slips into these fields is replaced. (The top-level `name` is pino's own, the app's name, and is kept.)
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  // The console's session secret, as the sign-in answer sets it (the request log includes response headers).
  'res.headers["set-cookie"]',
  'patient',
  '*.patient',
  'patientIdentifier',
  '*.patientIdentifier',
  '*.name',
  'birthDate',
  '*.birthDate',
  'phone',
  '*.phone',
  'email',
  '*.email',
  'address',
  '*.address',
  'password',
  '*.password',
  'token',
  '*.token',
];

/**
 * Path segments that are bearer secrets: whoever reads `/acknowledgements/<token>` in a log can open the link
 * (it still asks for sign-in, but the link's token is the proof of which message was read). Console pages and
 * the API alike (`/api/v1/acknowledgements/<token>`).
 */
const TOKEN_PATH = /(\/acknowledgements\/)[^/?#]+/g;

/**
 * A request's URL as logs keep it: the path only (query strings can hold identifiers, `?identifier=MRN…`),
 * with the tokens in it replaced.
 */
export function loggedPath(url: string): string {
  return url.split('?')[0]!.replace(TOKEN_PATH, '$1[token]');
}

/** nestjs-pino settings shared by every app. */
export function loggerParams(config: Pick<AppConfig, 'logLevel'>, name: string): Params {
  return {
    pinoHttp: {
      name,
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // A request is logged by id, method and `loggedPath`; not its headers, query or route parameters (which
      // would repeat a token of the path).
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: loggedPath(req.url),
        }),
      },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    },
  };
}
