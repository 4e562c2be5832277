import { createKafka } from '@alem/messaging';

/**
 * The raw Kafka baseline, in a process of its own like the processor: kafkajs consuming the feed with
 * eachBatch, decoding each message (JSON.parse) and committing offsets per batch, nothing else.
 * Prints READY once it has joined its group, DONE <count> when it has seen `BENCH_COUNT` messages.
 */
async function main(): Promise<void> {
  const brokers = process.env.BENCH_BROKERS!.split(',');
  const topic = process.env.BENCH_TOPIC!;
  const expected = Number(process.env.BENCH_COUNT);
  const kafka = createKafka({ brokers, clientId: 'bench-raw' });
  const consumer = kafka.consumer({
    groupId: 'bench-raw',
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  consumer.on(consumer.events.GROUP_JOIN, () => console.log('READY'));
  let seen = 0;
  let decodedBytes = 0;
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: Number(process.env.BENCH_CONCURRENCY ?? 4),
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      for (const m of batch.messages) {
        const event = JSON.parse(m.value!.toString('utf8')) as { messageControlId: string };
        decodedBytes += event.messageControlId.length;
      }
      resolveOffset(batch.lastOffset());
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [
              { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
            ],
          },
        ],
      });
      seen += batch.messages.length;
      if (seen >= expected) console.log(`DONE ${seen} ${decodedBytes}`);
    },
  });
}

void main();
