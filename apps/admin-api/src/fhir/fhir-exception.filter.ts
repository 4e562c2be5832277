import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { logServerError, toErrorBody } from '../common/api-exception.filter';
import { FHIR_JSON, outcomeOfStatus } from '@alem/fhir';

/**
 * The FHIR routes' errors, guard refusals (401, 403) and validation included: the status and message the rest
 * of the API gives (`toErrorBody`, logged the same way), as an OperationOutcome.
 */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FhirExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const payload = toErrorBody(error);
    logServerError(this.logger, error, http.getRequest<Request>(), payload.statusCode);
    if (response.headersSent) return;
    response
      .status(payload.statusCode)
      .type(FHIR_JSON)
      .send(JSON.stringify(outcomeOfStatus(payload.statusCode, payload.message)));
  }
}
