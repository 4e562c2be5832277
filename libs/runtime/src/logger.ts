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

/** nestjs-pino settings shared by every app. */
export function loggerParams(config: Pick<AppConfig, 'logLevel'>, name: string): Params {
  return {
    pinoHttp: {
      name,
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    },
  };
}
