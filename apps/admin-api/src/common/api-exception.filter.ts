import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { type Request, type Response } from 'express';
import { ZodValidationException } from 'nestjs-zod';
import { DomainError, type ValidationIssue } from './domain.errors';
import { zodIssues } from './zod-validation.pipe';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function body(statusCode: number, message: string, details?: unknown): ErrorBody {
  return {
    statusCode,
    error: REASONS[statusCode] ?? (HttpStatus[statusCode] as string | undefined) ?? 'Error',
    message,
    ...(details === undefined ? {} : { details }),
  };
}

/** body-parser's errors carry a `type`; their messages may quote the body, so none is passed on. */
function bodyParserError(error: { type?: unknown; status?: unknown }): ErrorBody | null {
  switch (error.type) {
    case 'entity.too.large':
      return body(413, 'The request body is larger than this API accepts');
    case 'entity.parse.failed':
      return body(400, 'The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return body(415, 'Unsupported request body encoding; send UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'parameters.too.many':
      return body(400, 'The request body could not be read');
    default:
      return null;
  }
}

/** Postgres refusals that reach here are the client's doing (a duplicate, a reference to nothing). */
function databaseError(error: { code?: unknown; constraint?: unknown }): ErrorBody | null {
  switch (error.code) {
    case '23505':
      return body(409, 'A record with the same key already exists');
    case '23503':
      return body(409, 'The request refers to a record that does not exist, or one still in use');
    case '23514':
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
    case '22001':
    case '22021':
    case '22P05':
      return body(400, 'A value is out of the range this field accepts');
    default:
      return null;
  }
}

function isHealthReport(response: unknown): boolean {
  return (
    typeof response === 'object' &&
    response !== null &&
    (response as { status?: unknown }).status === 'error' &&
    'details' in response
  );
}

/** Maps an error of any kind to the API's error body. Unknown errors become a bare 500. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof DomainError) return body(error.status, error.message, error.details);
  if (error instanceof ZodValidationException) {
    const issues: ValidationIssue[] = zodIssues(error.getZodError(), 'input');
    return body(400, 'The request is not valid', issues);
  }
  if (error instanceof ThrottlerException) return body(429, 'Too many requests; slow down and retry later');
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return body(404, 'No such route');
    // Nest's own exceptions carry framework text; keep their status, write our own words.
    return body(status, status >= 500 ? 'Internal error' : (REASONS[status] ?? 'Request refused'));
  }
  if (error && typeof error === 'object') {
    const mapped = bodyParserError(error as { type?: unknown }) ?? databaseError(error as { code?: unknown });
    if (mapped) return mapped;
  }
  return body(500, 'Internal error');
}

/**
 * The one exception filter of the admin API. Logs server errors by kind and code only: an error's message
 * can quote the data it choked on.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    // A failed readiness check answers in terminus' own report (which dependency is down), never data.
    if (error instanceof HttpException && error.getStatus() === 503 && isHealthReport(error.getResponse())) {
      response.status(503).json(error.getResponse());
      return;
    }
    const payload = toErrorBody(error);
    logServerError(this.logger, error, request, payload.statusCode);
    if (response.headersSent) return;
    response.status(payload.statusCode).json(payload);
  }
}

/** Logs a server error (5xx) by kind, code and route only: an error's message can quote the data it choked on. */
export function logServerError(logger: Logger, error: unknown, request: Request, statusCode: number): void {
  if (statusCode < 500) return;
  const e = error as { name?: string; code?: string; constraint?: string };
  const what = {
    err: { name: e?.name, code: e?.code, constraint: e?.constraint },
    route: request.route?.path,
  };
  // 503: a dependency refused and the client may retry; 500: a defect.
  if (statusCode === 503) logger.warn(what, 'dependency unavailable');
  else logger.error(what, 'request failed');
}

/** The same mapping for errors raised before Nest's routing (body parsing): an Express error handler. */
export function expressErrorHandler(
  error: unknown,
  _request: Request,
  response: Response,
  next: (error?: unknown) => void,
): void {
  if (response.headersSent) return next(error);
  const payload = toErrorBody(error);
  response.status(payload.statusCode).json(payload);
}
