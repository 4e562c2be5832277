import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { type NextFunction, type Request, type Response } from 'express';
import { type OperationOutcome } from '@medplum/fhirtypes';
import { FHIR_JSON, issueTypeOfStatus, operationOutcome } from '@alem/fhir';
import { IngestRefusal } from './ingest.errors';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

function body(statusCode: number, message: string, details?: unknown): ErrorBody {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    ...(details === undefined ? {} : { details }),
  };
}

/** body-parser's errors carry a `type`; their messages may quote the body, so none is passed on. */
function bodyParserError(error: { type?: unknown }): ErrorBody | null {
  switch (error.type) {
    case 'entity.too.large':
      return body(413, 'The request body is larger than this gateway accepts (GATEWAY_MAX_BODY_BYTES)');
    case 'entity.parse.failed':
      return body(400, 'The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return body(415, 'Unsupported request body encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return body(400, 'The request body could not be read');
    default:
      return null;
  }
}

export function toErrorBody(error: unknown): { payload: ErrorBody; headers: Record<string, string> } {
  if (error instanceof IngestRefusal) {
    return { payload: body(error.status, error.message, error.details), headers: error.headers };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const message = status === 404 ? 'No such route' : status >= 500 ? 'Internal error' : 'Request refused';
    return { payload: body(status, message), headers: {} };
  }
  const parsed = error && typeof error === 'object' ? bodyParserError(error as { type?: unknown }) : null;
  return { payload: parsed ?? body(500, 'Internal error'), headers: {} };
}

/** Whether a request is to the FHIR intake, whose every answer is a FHIR resource. */
function isFhir(request: Request): boolean {
  return request.path.startsWith('/fhir/');
}

/** A refusal as FHIR answers one: the OperationOutcome it carries (naming elements), or one of its message. */
function asOperationOutcome(error: unknown, payload: ErrorBody): OperationOutcome {
  const details = error instanceof IngestRefusal ? error.details : undefined;
  if ((details as { resourceType?: unknown } | undefined)?.resourceType === 'OperationOutcome') {
    return details as OperationOutcome;
  }
  return operationOutcome([{ message: payload.message, code: issueTypeOfStatus(payload.statusCode) }]);
}

function send(request: Request, response: Response, error: unknown): ErrorBody {
  const { payload, headers } = toErrorBody(error);
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  if (isFhir(request)) {
    response.status(payload.statusCode).type(FHIR_JSON).json(asOperationOutcome(error, payload));
  } else {
    response.status(payload.statusCode).json(payload);
  }
  return payload;
}

/** The gateway's one exception filter: refusals as JSON (FHIR routes: an OperationOutcome); server errors logged by kind only (no message text). */
@Catch()
export class IngestExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('IngestExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    const payload = send(host.switchToHttp().getRequest<Request>(), response, error);
    if (payload.statusCode >= 500) {
      this.logger.error({ err: { name: (error as Error)?.name } }, 'request failed');
    }
  }
}

/** The same for errors raised before Nest's routing (body parsing): an Express error handler. */
export function ingestBodyErrorHandler(
  error: unknown,
  request: Request,
  response: Response,
  next: NextFunction,
): void {
  if (response.headersSent) return next(error);
  send(request, response, error);
}
