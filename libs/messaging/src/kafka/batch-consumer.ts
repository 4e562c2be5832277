import { type Consumer, type ConsumerRunConfig, type Kafka, type KafkaMessage } from 'kafkajs';
import {
  ConsumerLifecycle,
  type ConsumerStatus,
  type CrashRecovery,
  type RestartPolicy,
} from './consumer-lifecycle';

export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Broker timestamp, milliseconds since the epoch. */
  timestamp: number;
}

export interface InboundBatch {
  topic: string;
  partition: number;
  messages: InboundMessage[];
  /** Keeps the group membership alive during long work on a batch. */
  heartbeat(): Promise<void>;
}

/**
 * Handles one batch. When it returns, every message of the batch is done (stored, dead-lettered or dropped)
 * and its offsets are committed with the next interval commit. When it throws, nothing is committed and the batch is delivered again after a
 * back-off: the handler must therefore be idempotent.
 */
export type BatchHandler = (batch: InboundBatch) => Promise<void>;

export interface BatchConsumerOptions {
  groupId: string;
  /** The topic, or topics, the group consumes (each batch is one partition of one of them). */
  topic: string | readonly string[];
  fromBeginning?: boolean;
  /** Partitions worked on at the same time (each batch is one partition's). */
  partitionsConsumedConcurrently?: number;
  /** Upper bound of a fetch per partition, in bytes. */
  maxBytesPerPartition?: number;
  /** Back-off after a failed batch: doubles from min to max. */
  retryMinMs?: number;
  retryMaxMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  onBatchFailed?: (
    error: unknown,
    batch: { topic: string; partition: number; firstOffset: string; retryInMs: number },
  ) => void;
  /** The brokers did not confirm the consumer leaving its group in time (it was abandoned). */
  onStopTimeout?: () => void;
  /** How often the offsets of handled batches are committed (default 200 ms). */
  commitIntervalMs?: number;
  onCommitFailed?: (error: unknown) => void;
  /** Restarts after a crash kafkajs will not recover from (see ConsumerLifecycle). */
  restart?: RestartPolicy;
  /** The consumer crashed; `recovery` says who brings it back, or that nobody will (`by: 'nobody'`). */
  onCrash?: (error: unknown, recovery: CrashRecovery) => void;
}

/**
 * kafkajs consumer in batches (`eachBatch`), with offsets resolved and committed only after the handler
 * returns. A failing batch pauses its partition, seeks back to the batch start, and resumes after a bounded
 * exponential back-off: other partitions keep flowing, and nothing is skipped. A consumer that crashed on an
 * error kafkajs will not retry is restarted here (bounded: see ConsumerLifecycle); `status` says whether one runs.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private readonly failures = new Map<number, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private running = false;
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private committing: Promise<void> | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  private lastCommit = 0;
  private readonly lifecycle: ConsumerLifecycle;
  private runConfig: ConsumerRunConfig | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private get commitIntervalMs(): number {
    return this.options.commitIntervalMs ?? 200;
  }

  constructor(
    kafka: Kafka,
    private readonly options: BatchConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      // How long a rebalance waits for every member to rejoin. kafkajs's default (60 s) is what a group waited
      // after one of its processors was killed before anyone consumed again (measured by `npm run drill`); a
      // member that is alive rejoins within its heartbeat interval, and a batch is a short transaction.
      rebalanceTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
      retry: {
        retries: 10,
        initialRetryTime: 200,
        maxRetryTime: 5000,
        // kafkajs restarts a consumer that crashed (e.g. every broker unreachable) after a back-off; once we are
        // stopping, a restart would outlive the app.
        restartOnFailure: async () => this.running,
      },
    });
    this.lifecycle = new ConsumerLifecycle(options.restart ?? {}, Date.now());
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.lifecycle.joined(Date.now()));
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) =>
      this.crashed(payload.error, payload.restart),
    );
    // The group's paused partitions and seeks die with it: a restarted consumer fetches from the committed
    // offsets, which never pass a failed batch. A resume timer left behind would throw on the missing group.
    this.consumer.on(this.consumer.events.STOP, () => {
      for (const timer of this.resumeTimers) clearTimeout(timer);
      this.resumeTimers.clear();
      this.failures.clear();
    });
  }

  /** Whether a consumer runs (joined its group) and, when none does, since when and why. */
  get status(): ConsumerStatus {
    return this.lifecycle.status;
  }

  get events(): Consumer['events'] {
    return this.consumer.events;
  }

  on: Consumer['on'] = (...args) => this.consumer.on(...args);

  async start(handler: BatchHandler): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: typeof this.options.topic === 'string' ? [this.options.topic] : [...this.options.topic],
      fromBeginning: this.options.fromBeginning ?? true,
    });
    this.running = true;
    this.runConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages = batch.messages.map((m) => toInbound(batch.topic, batch.partition, m));
        try {
          await handler({ topic: batch.topic, partition: batch.partition, messages, heartbeat });
        } catch (error) {
          this.retryLater(batch.topic, batch.partition, messages[0]!.offset, error);
          return;
        }
        this.failures.delete(batch.partition);
        resolveOffset(batch.lastOffset());
        this.pending.set(`${batch.topic}:${batch.partition}`, {
          topic: batch.topic,
          partition: batch.partition,
          offset: nextOffset(batch.lastOffset()),
        });
        if (Date.now() - this.lastCommit >= this.commitIntervalMs) await this.commitPending();
      },
    };
    await this.consumer.run(this.runConfig);
    this.commitTimer = setInterval(() => void this.commitPending(), this.commitIntervalMs);
  }

  /**
   * Commits the offsets of the batches handled since the last commit. Committing after every batch would put a
   * broker round trip inside each fetch cycle (with small batches, the cycle is then mostly commits); offsets
   * are committed at most every `commitIntervalMs` instead, and always only for batches whose handler returned.
   * A crash redelivers the batches of that interval, which changes nothing: the handler is idempotent.
   */
  private commitPending(): Promise<void> {
    if (this.committing) return this.committing;
    // Without a group (crashed, restarting) nothing can be committed: the offsets wait for the restarted one.
    if (this.pending.size === 0 || this.lifecycle.status.state !== 'running') return Promise.resolve();
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.lastCommit = Date.now();
    this.committing = (async () => {
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (error) {
        // Put back what no newer batch has replaced; the next tick tries again (a rebalance redelivers anyway).
        for (const o of offsets) {
          const key = `${o.topic}:${o.partition}`;
          if (!this.pending.has(key)) this.pending.set(key, o);
        }
        this.options.onCommitFailed?.(error);
      } finally {
        this.committing = null;
      }
    })();
    return this.committing;
  }

  private retryLater(topic: string, partition: number, firstOffset: string, error: unknown): void {
    const failures = (this.failures.get(partition) ?? 0) + 1;
    this.failures.set(partition, failures);
    const min = this.options.retryMinMs ?? 200;
    const max = this.options.retryMaxMs ?? 30000;
    const delay = Math.min(max, min * 2 ** (failures - 1));
    this.options.onBatchFailed?.(error, { topic, partition, firstOffset, retryInMs: delay });
    this.consumer.pause([{ topic, partitions: [partition] }]);
    this.consumer.seek({ topic, partition, offset: firstOffset });
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      if (this.running) this.consumer.resume([{ topic, partitions: [partition] }]);
    }, delay);
    this.resumeTimers.add(timer);
  }

  /**
   * kafkajs has disconnected the crashed consumer (CRASH comes after that). When kafkajs will not restart it, a
   * new run of the same consumer starts after a back-off: one at a time, never beside a live one, so a batch is
   * never worked on twice at once; batches handled before the crash keep their offsets for the next commit.
   */
  private crashed(error: unknown, kafkajsRestarts: boolean): void {
    if (!this.running) return;
    const recovery = this.lifecycle.crashed(Date.now(), errorText(error), kafkajsRestarts);
    this.options.onCrash?.(error, recovery);
    if (recovery.by !== 'consumer' || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.running || !this.runConfig) return;
      // A crash while joining comes back as a CRASH event; `run` itself rejects only before it gets that far.
      this.consumer.run(this.runConfig).catch((e: unknown) => this.crashed(e, false));
    }, recovery.inMs);
  }

  /**
   * Stops fetching, lets the batches in hand finish (their offsets are committed), then leaves the group. When
   * the brokers are unreachable, leaving cannot be confirmed: after `timeoutMs` the consumer is abandoned (its
   * session expires on the broker side) so that shutdown never hangs.
   */
  async stop(timeoutMs = 10000): Promise<void> {
    this.running = false;
    this.lifecycle.stopped(Date.now());
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.commitTimer = null;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([
      this.consumer.disconnect().then(() => 'disconnected' as const),
      gaveUp,
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.options.onStopTimeout?.();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function toInbound(topic: string, partition: number, m: KafkaMessage): InboundMessage {
  const headers: Record<string, string> = {};
  if (m.headers) {
    for (const [name, value] of Object.entries(m.headers)) {
      if (value === undefined) continue;
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) headers[name] = first.toString();
    }
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers,
    timestamp: Number(m.timestamp),
  };
}
