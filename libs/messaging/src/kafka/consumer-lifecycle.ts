/** Where a consumer is: `running` from joining its group until it crashes or stops. */
export type ConsumerState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface ConsumerStatus {
  state: ConsumerState;
  /** Milliseconds since the epoch when the consumer entered the state. */
  since: number;
  /** Why it is not running: the crash's error (`restarting`, or `stopped` after giving up); null otherwise. */
  reason: string | null;
}

/** What follows a crash: kafkajs restarts the consumer, the consumer restarts itself, or nobody does. */
export type CrashRecovery =
  | { by: 'kafkajs' }
  | { by: 'consumer'; inMs: number; attempt: number; attempts: number }
  | { by: 'nobody'; attempts: number };

export interface RestartPolicy {
  /** Restarts in a row before giving up (default 5). */
  attempts?: number;
  /** Wait before the first restart; doubles with each (default 1000: 5 attempts span about 31 s). */
  backoffMs?: number;
  /** A consumer that ran this long before crashing gets its whole budget again (default 60 s). */
  stableAfterMs?: number;
}

/**
 * The state of a kafkajs consumer and the decision after a crash, without kafkajs (so it can be tested alone).
 * kafkajs restarts a consumer after a retriable error (every broker unreachable) by itself, for as long as it is
 * asked to. After an error it will not retry (e.g. the coordinator refusing a joining member), it disconnects
 * and the consumer is gone for good: then the consumer restarts itself, a bounded number of times in a row.
 */
export class ConsumerLifecycle {
  private current: ConsumerStatus;
  private restartsInARow = 0;
  private runningSince: number | null = null;

  constructor(
    private readonly policy: RestartPolicy,
    now: number,
  ) {
    this.current = { state: 'starting', since: now, reason: null };
  }

  get status(): ConsumerStatus {
    return this.current;
  }

  private get attempts(): number {
    return this.policy.attempts ?? 5;
  }

  /** The consumer joined its group (first start, a restart, or a rebalance). */
  joined(now: number): void {
    if (this.current.state === 'stopped') return;
    if (this.current.state !== 'running') this.current = { state: 'running', since: now, reason: null };
    this.runningSince ??= now;
  }

  /** kafkajs reported a crash; `kafkajsRestarts` is its own decision (the CRASH event's `restart`). */
  crashed(now: number, reason: string, kafkajsRestarts: boolean): CrashRecovery {
    if (this.current.state === 'stopped') return { by: 'nobody', attempts: this.restartsInARow };
    const ranSteadily =
      this.runningSince !== null && now - this.runningSince >= (this.policy.stableAfterMs ?? 60_000);
    this.runningSince = null;
    if (ranSteadily) this.restartsInARow = 0;
    if (kafkajsRestarts) {
      this.current = { state: 'restarting', since: now, reason };
      return { by: 'kafkajs' };
    }
    if (this.restartsInARow >= this.attempts) {
      this.current = { state: 'stopped', since: now, reason };
      return { by: 'nobody', attempts: this.restartsInARow };
    }
    this.restartsInARow += 1;
    this.current = { state: 'restarting', since: now, reason };
    return {
      by: 'consumer',
      inMs: (this.policy.backoffMs ?? 1000) * 2 ** (this.restartsInARow - 1),
      attempt: this.restartsInARow,
      attempts: this.attempts,
    };
  }

  /** Stopped on purpose (shutdown), or given up on. Nothing changes it afterwards. */
  stopped(now: number): void {
    if (this.current.state !== 'stopped') this.current = { state: 'stopped', since: now, reason: null };
    this.runningSince = null;
  }

  get isStopped(): boolean {
    return this.current.state === 'stopped';
  }
}
