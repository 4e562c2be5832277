import {
  BatchConsumer,
  createKafka,
  type CrashRecovery,
  type InboundBatch,
  MessageProducer,
} from '@alem/messaging';
import { KafkaMockBroker, waitFor } from '@alem/local-stack';

const FETCH = 1;
const JOIN_GROUP = 11;
/** Errors kafkajs does not retry: the consumer crashes and kafkajs does not restart it. */
const INCONSISTENT_GROUP_PROTOCOL = 23;
const TOPIC_AUTHORIZATION_FAILED = 29;

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

  it('restarts a consumer that crashed while joining on an error kafkajs will not retry', async () => {
    // The coordinator refuses the joining member twice; kafkajs disconnects and leaves the consumer dead.
    await broker.command(`errors ${JOIN_GROUP} ${INCONSISTENT_GROUP_PROTOCOL} 2`);
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'test' });
    const producer = new MessageProducer(kafka);
    const seen: string[] = [];
    const crashes: Array<{ error: string; recovery: CrashRecovery }> = [];
    const consumer = new BatchConsumer(kafka, {
      groupId: 'refused',
      topic: 'consumer.test.v1',
      restart: { backoffMs: 200 },
      onCrash: (error, recovery) => crashes.push({ error: (error as Error).message, recovery }),
    });
    await consumer.start(async (batch) => {
      seen.push(...batch.messages.map((m) => m.value!.toString()));
    });
    try {
      expect(consumer.status).toMatchObject({
        state: 'restarting',
        reason: expect.stringContaining('KafkaJSProtocolError') as unknown,
      });
      await waitFor(() => consumer.status.state === 'running', {
        timeoutMs: 20000,
        description: 'the consumer running again',
      });
      expect(crashes.map((c) => c.recovery)).toEqual([
        { by: 'consumer', inMs: 200, attempt: 1, attempts: 5 },
        { by: 'consumer', inMs: 400, attempt: 2, attempts: 5 },
      ]);
      expect(crashes[0]!.error).toMatch(/protocols are incompatible/);
      await producer.send('consumer.test.v1', [{ key: 'k', value: 'after the restart' }]);
      await waitFor(() => seen.length === 1, { description: 'the message consumed' });
      expect(seen).toEqual(['after the restart']);
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
    expect(consumer.status.state).toBe('stopped');
  });

  // A batch handled less than a commit interval before a crash comes again (the handler is idempotent); one
  // whose offset was committed does not.
  it('restarts a running consumer that crashed from its committed offsets: nothing skipped, nothing committed redone', async () => {
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'test' });
    const producer = new MessageProducer(kafka);
    const seen: string[] = [];
    const crashes: CrashRecovery[] = [];
    const consumer = new BatchConsumer(kafka, {
      groupId: 'fetch-refused',
      topic: 'consumer.test.v1',
      // The mock cluster lets the crashed member's place go only when its session expires.
      sessionTimeoutMs: 6000,
      restart: { backoffMs: 100 },
      onCrash: (_error, recovery) => crashes.push(recovery),
    });
    await consumer.start(async (batch) => {
      seen.push(...batch.messages.map((m) => m.value!.toString()));
    });
    try {
      await producer.send('consumer.test.v1', [{ key: 'k', value: 'a' }]);
      await waitFor(() => seen.length === 1, { timeoutMs: 20000, description: 'a consumed' });
      await broker.command(`errors ${FETCH} ${TOPIC_AUTHORIZATION_FAILED} 1`);
      await waitFor(() => crashes.length === 1, { description: 'the consumer to crash' });
      expect(crashes).toEqual([{ by: 'consumer', inMs: 100, attempt: 1, attempts: 5 }]);
      await producer.send('consumer.test.v1', [{ key: 'k', value: 'b' }]);
      await waitFor(() => seen.length >= 2, { timeoutMs: 30000, description: 'b consumed' });
      expect(seen).toEqual(['a', 'b']);
      expect(consumer.status.state).toBe('running');
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
  });

  it('gives up after its restarts in a row, and says so', async () => {
    await broker.command(`errors ${JOIN_GROUP} ${INCONSISTENT_GROUP_PROTOCOL} 100`);
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'test' });
    const crashes: CrashRecovery[] = [];
    const consumer = new BatchConsumer(kafka, {
      groupId: 'refused-for-good',
      topic: 'consumer.test.v1',
      restart: { attempts: 2, backoffMs: 50 },
      onCrash: (_error, recovery) => crashes.push(recovery),
    });
    await consumer.start(async () => undefined);
    try {
      await waitFor(() => consumer.status.state === 'stopped', { description: 'the consumer given up on' });
      expect(crashes.map((c) => c.by)).toEqual(['consumer', 'consumer', 'nobody']);
      expect(consumer.status.reason).toMatch(/protocols are incompatible/);
    } finally {
      await consumer.stop();
      await broker.command(`clear-errors ${JOIN_GROUP}`);
    }
  });
});
