/**
 * A refusal of an HTTP submission: the status, a message for the lab's integrator (never patient data),
 * optional details (the ACK, the parse reason, per-event problems) and response headers (`Retry-After`,
 * `WWW-Authenticate`). `IngestExceptionFilter` writes it as `{ statusCode, error, message, details? }`, the
 * body shape of every API of this project.
 */
export class IngestRefusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 413 | 415 | 422 | 503,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'IngestRefusal';
  }
}

/** Kafka (or the key store) is unavailable: the client should send the same request again after a while. */
export function retryLater(message: string, details?: unknown): IngestRefusal {
  return new IngestRefusal(503, message, details, { 'Retry-After': '5' });
}

export const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ingest-gateway"' };
