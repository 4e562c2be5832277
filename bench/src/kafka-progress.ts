import { type Admin, Partitioners, type PartitionMetadata } from 'kafkajs';
import { type MessageProducer, type OutboundMessage } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';

/** Messages a consumer group has committed on a topic (the sum of committed offsets; topics start at 0). */
export async function committedCount(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/**
 * Keys that land one on each of a topic's `partitions` under the producer's partitioner (kafkajs's default,
 * murmur2 as in Java): `key(n)` for the first n found per partition.
 */
export function keysForEveryPartition(partitions: number, key: (n: number) => string): string[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const found: string[] = new Array(partitions);
  let left = partitions;
  for (let n = 0; left > 0; n++) {
    const candidate = key(n);
    const p = partitioner({ topic: 'any', partitionMetadata, message: { key: candidate, value: null } });
    if (found[p] === undefined) {
      found[p] = candidate;
      left--;
    }
  }
  return found;
}

/**
 * Sends one warm-up message to every partition, again every two seconds, until the group has committed every one
 * sent and `settled()` says so: with several members, each partition's owner is fetching, and `settled` (each
 * member has taken a warm-up message) shows that every member holds partitions in one settled generation, so no
 * rebalance falls inside the timed run. A round again, because a member that joins after the first has taken the
 * whole round gets none of it. Returns the number of messages sent (the run's `already`).
 */
export async function warmUpEveryPartition(options: {
  producer: MessageProducer;
  admin: Admin;
  topic: string;
  groupId: string;
  messages: OutboundMessage[];
  settled?: () => Promise<boolean>;
  timeoutMs?: number;
}): Promise<number> {
  const { producer, admin, topic, groupId, messages } = options;
  let rounds = 0;
  let sentAt = 0;
  await waitFor(
    async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = rounds > 0 && offsets!.partitions.every((p) => Number(p.offset) >= rounds);
      if (committed && ((await options.settled?.()) ?? true)) return true;
      if (rounds === 0 || (committed && Date.now() - sentAt >= 2000)) {
        await producer.send(topic, messages);
        rounds++;
        sentAt = Date.now();
      }
      return false;
    },
    {
      timeoutMs: options.timeoutMs ?? 60000,
      intervalMs: 20,
      description: `group ${groupId} to commit on every partition of ${topic} with every member`,
    },
  );
  return messages.length * rounds;
}

export interface ThroughputRun {
  messages: number;
  seconds: number;
  perSecond: number;
}

/**
 * Produces `count` messages while the group consumes them, never more than `window` ahead of what the group has
 * committed (the embedded broker keeps only a few MB per partition), and times production start → all
 * committed.
 */
export async function produceUntilCommitted(options: {
  producer: MessageProducer;
  admin: Admin;
  topic: string;
  groupId: string;
  count: number;
  message: (i: number) => OutboundMessage;
  /** Messages already committed on the topic before this run (the warm-up). */
  already?: number;
  chunk?: number;
  window?: number;
}): Promise<ThroughputRun> {
  const { producer, admin, topic, groupId, count, message } = options;
  // The embedded broker answers a fetch with one record batch per partition (real Kafka fills the fetch up to its
  // byte limit): a chunk of 6000 over 12 partitions gives the consumer batches of ~500, as a backlog would on
  // Kafka, and as the raw Postgres baseline inserts.
  const chunk = options.chunk ?? 6000;
  const window = options.window ?? 30000;
  const already = options.already ?? 0;
  let committed = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      committed = (await committedCount(admin, groupId, topic)) - already;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const started = performance.now();
  for (let i = 0; i < count;) {
    while (i - committed > window) await new Promise((r) => setTimeout(r, 5));
    const n = Math.min(chunk, count - i);
    const batch: OutboundMessage[] = new Array(n);
    for (let j = 0; j < n; j++) batch[j] = message(i + j);
    await producer.send(topic, batch);
    i += n;
  }
  while (committed < count) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  polling = false;
  await poller;
  return { messages: count, seconds, perSecond: count / seconds };
}
