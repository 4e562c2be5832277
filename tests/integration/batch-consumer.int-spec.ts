import { BatchConsumer, createKafka, type InboundBatch, MessageProducer } from '@alem/messaging';
import { KafkaMockBroker, waitFor } from '@alem/local-stack';

/** The kafkajs wrapper every consumer uses: retries that skip nothing, and a shutdown that never hangs. */
describe('BatchConsumer', () => {
  let broker: KafkaMockBroker;

  beforeEach(async () => {
    broker = await KafkaMockBroker.start({ extraTopics: { 'consumer.test.v1': 2 } });
  });

  afterEach(async () => {
    await broker.stop();
  });

  it('delivers a failed batch again from its first message, and commits it once it succeeds', async () => {
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'test' });
    const producer = new MessageProducer(kafka);
    await producer.send(
      'consumer.test.v1',
      ['a', 'b', 'c'].map((v) => ({ key: 'same-partition', value: v })),
    );
    const seen: string[][] = [];
    const failures: number[] = [];
    let fail = true;
    const consumer = new BatchConsumer(kafka, {
      groupId: 'retry',
      topic: 'consumer.test.v1',
      retryMinMs: 50,
      onBatchFailed: (_e, at) => failures.push(at.retryInMs),
    });
    await consumer.start(async (batch: InboundBatch) => {
      seen.push(batch.messages.map((m) => m.value!.toString()));
      if (fail) {
        fail = false;
        throw new Error('database unavailable');
      }
    });
    try {
      await waitFor(() => seen.length === 2, { description: 'the batch delivered twice' });
      expect(seen).toEqual([
        ['a', 'b', 'c'],
        ['a', 'b', 'c'],
      ]);
      expect(failures).toEqual([50]);
      const admin = kafka.admin();
      await admin.connect();
      await waitFor(
        async () => {
          const [offsets] = await admin.fetchOffsets({ groupId: 'retry', topics: ['consumer.test.v1'] });
          return offsets!.partitions.some((p) => p.offset === '3');
        },
        { description: 'offset 3 committed' },
      );
      await admin.disconnect();
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
  });

  it('stops within its bound while every broker is down and kafkajs keeps restarting the consumer', async () => {
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'test', connectionTimeoutMs: 500 });
    const timeouts: number[] = [];
    const consumer = new BatchConsumer(kafka, {
      groupId: 'outage',
      topic: 'consumer.test.v1',
      onStopTimeout: () => timeouts.push(1),
    });
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    const crashed = new Promise<{ restart: boolean }>((resolve) =>
      consumer.on(consumer.events.CRASH, (e) => resolve(e.payload as { restart: boolean })),
    );
    await consumer.start(async () => undefined);
    await joined;
    await broker.command('all-down');
    expect(await crashed).toMatchObject({ restart: true });
    const started = Date.now();
    await consumer.stop(3000);
    expect(Date.now() - started).toBeLessThan(4000);
    await broker.command('all-up');
  });
});
