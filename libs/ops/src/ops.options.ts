/** `consumer`: the app's own Kafka consumer runs (ConsumerHealthIndicator); the others are services it uses. */
export type OpsDependency = 'postgres' | 'redis' | 'kafka' | 'consumer';

export interface OpsOptions {
  /** The dependencies `GET /health` checks: the ones the app cannot work without. */
  checks: OpsDependency[];
  /** Consumer groups whose lag `/metrics` reports, read from the broker at scrape time. */
  consumerLag?: Array<{ groupId: string; topic: string }>;
  /** How long one dependency check may take before it counts as down. */
  checkTimeoutMs?: number;
}

export const OPS_OPTIONS = Symbol('OPS_OPTIONS');

/** Resolves with the promise, or rejects after `ms` with a message naming what timed out. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
