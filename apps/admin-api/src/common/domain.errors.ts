/**
 * Typed errors the services throw; `ApiExceptionFilter` maps each to its HTTP status and a body of
 * `{ statusCode, error, message, details? }`. Messages are written for the API's users and never carry
 * patient data (name records by their kind, never by what they hold).
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface ValidationIssue {
  /** Where: `body.identifiers.0.authority`, `query.limit`. */
  path: string;
  message: string;
}

/** Input that does not satisfy the endpoint's schema (400). */
export class InvalidInputError extends DomainError {
  readonly status = 400;
  constructor(message: string, issues: ValidationIssue[] = []) {
    super(message, issues.length > 0 ? issues : undefined);
  }
}

export class AuthenticationError extends DomainError {
  readonly status = 401;
}

export class AccessDeniedError extends DomainError {
  readonly status = 403;
}

/**
 * The record does not exist, or the caller may not know it does (a clinician asking for another team's
 * patient gets the same answer as for no patient at all).
 */
export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** The request contradicts the current state (acknowledging a resolved alert, a duplicate key). */
export class ConflictError extends DomainError {
  readonly status = 409;
}

export class TooManyAttemptsError extends DomainError {
  readonly status = 429;
}

/** A dependency (Kafka) refused or timed out; nothing was changed, the request may be retried. */
export class DependencyUnavailableError extends DomainError {
  readonly status = 503;
}
