import { type INestApplicationContext } from '@nestjs/common';
import { type Consumer } from 'kafkajs';
import { HEADERS, TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { loadConfig } from '@alem/runtime';
import { REPLAY_OF_HEADER } from '../../apps/admin-api/src/dlq/dlq.service';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * Dead-lettered messages through the admin API on the real broker: read (audited), replayed to
 * lab.results.v1 with the original key, bytes and content type, at most once per record even when admins
 * race, and not at all (claim withdrawn) when the broker refuses.
 */
describe('DLQ replay', () => {
  let stack: TestStack;
  let api: AdminApi;
  let token: string;
  let reader: Consumer;
  let processor: INestApplicationContext;
  const replayed: Array<{
    key: string | null;
    value: string;
    headers: Record<string, string>;
    offset: string;
  }> = [];

  const badMessage = (n: number) => ({
    key: `HOSP|MRN-DLQ-${n}`,
    value: `{"schema":"lab-result.v1","patient":{"id":"MRN-DLQ-${n}"`,
    headers: { [HEADERS.contentType]: 'application/vnd.lab-result.v1+json' },
  });

  beforeAll(async () => {
    stack = await startTestStack();
    processor = await stack.startProcessor();
    api = await startAdminApi(loadConfig({ ...stack.env(), ...GENEROUS_LIMITS }));
    await seedUser(stack.dataSource, { email: 'admin@hospital.test', roles: ['admin'] });
    token = await api.login('admin@hospital.test');
    await stack.producer.send(TOPICS.labResults, [badMessage(1), badMessage(2), badMessage(3)]);
    await waitFor(
      async () =>
        Number((await stack.dataSource.query(`SELECT count(*)::int AS n FROM dlq_records`))[0].n) === 3,
      { description: 'three dead-letter records' },
    );
    reader = stack.kafka.consumer({ groupId: 'replay-reader' });
    await reader.connect();
    await reader.subscribe({ topic: TOPICS.labResults, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        if (headers[REPLAY_OF_HEADER]) {
          replayed.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            headers,
            offset: message.offset,
          });
        }
      },
    });
  });

  afterAll(async () => {
    await reader?.disconnect().catch(() => undefined);
    await api?.close();
    await stack?.stop();
  });

  const as = () => ({ Authorization: `Bearer ${token}` });
  const recordIds = async (): Promise<string[]> =>
    (await stack.dataSource.query(`SELECT id::text FROM dlq_records ORDER BY dlq_records.id`)).map(
      (r: { id: string }) => r.id,
    );
  /** The message a record was made from (the partitions are worked in no particular order). */
  const originalOf = async (id: string) => {
    const [row] = await stack.dataSource.query(`SELECT message_key FROM dlq_records WHERE id = $1`, [id]);
    return badMessage(Number(/MRN-DLQ-(\d+)$/.exec(row.message_key)![1]));
  };

  it('lists records without keys or payloads, and shows one with them (audited)', async () => {
    const list = await api.http().get('/api/v1/dlq').set(as());
    expect(list.body.total).toBe(3);
    expect(JSON.stringify(list.body)).not.toContain('MRN-DLQ');
    const [first] = await recordIds();
    const original = await originalOf(first!);
    const detail = await api.http().get(`/api/v1/dlq/${first}`).set(as());
    expect(detail.body).toMatchObject({
      messageKey: original.key,
      payload: original.value,
      payloadEncoding: 'utf8',
      contentType: 'application/vnd.lab-result.v1+json',
      reason: expect.stringMatching(/^invalid JSON/),
    });
    const [audit] = await stack.dataSource.query(
      `SELECT entity_id, data_category FROM audit_log WHERE action = 'dlq.read'`,
    );
    expect(audit).toEqual({ entity_id: first, data_category: 'message-payload' });
  });

  it('produces the original key, bytes and content type back to lab.results.v1, once', async () => {
    const [first] = await recordIds();
    const res = await api.http().post(`/api/v1/dlq/${first}/replay`).set(as());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: first,
      replayedAt: expect.any(String),
      replayedBy: expect.any(String),
    });
    await waitFor(() => replayed.some((m) => m.headers[REPLAY_OF_HEADER] === first), {
      timeoutMs: 20000,
      description: 'the replayed message on lab.results.v1',
    });
    const message = replayed.find((m) => m.headers[REPLAY_OF_HEADER] === first)!;
    const original = await originalOf(first!);
    expect(message).toMatchObject({
      key: original.key,
      value: original.value,
      headers: { [HEADERS.contentType]: 'application/vnd.lab-result.v1+json', [REPLAY_OF_HEADER]: first },
    });
    // Still malformed: the processor dead-letters it again, as a new record at its new offset.
    await waitFor(
      async () =>
        (await stack.dataSource.query(`SELECT 1 FROM dlq_records WHERE source_offset = $1`, [message.offset]))
          .length === 1,
      { description: 'the replayed message to be dead-lettered again' },
    );
    expect((await api.http().post(`/api/v1/dlq/${first}/replay`).set(as())).status).toBe(409);
  });

  it('lets exactly one of several racing admins replay a record', async () => {
    const [, , third] = await recordIds();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api.http().post(`/api/v1/dlq/${third}/replay`).set(as())),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
    await waitFor(() => replayed.some((m) => m.headers[REPLAY_OF_HEADER] === third), {
      timeoutMs: 20000,
      description: 'the replayed message',
    });
    // Give any duplicate time to arrive: there must be none.
    await stack.producer.send(TOPICS.labResults, [badMessage(99)]);
    await stack.waitUntilConsumed();
    expect(replayed.filter((m) => m.headers[REPLAY_OF_HEADER] === third)).toHaveLength(1);
    const trail = await stack.dataSource.query(
      `SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'dlq.replay%' ORDER BY audit_log.seq`,
      [third],
    );
    expect(trail.map((t: { action: string }) => t.action)).toEqual(['dlq.replay.claim', 'dlq.replay']);
  });

  it('withdraws the claim and replays nothing when the broker refuses', async () => {
    const [, second] = await recordIds();
    // Only the admin API faces the outage: consumers caught by it keep retrying after they are closed.
    await reader.disconnect();
    await processor.close();
    await stack.broker.command('all-down');
    let res;
    try {
      res = await api.http().post(`/api/v1/dlq/${second}/replay`).set(as());
      const health = await api.http().get('/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({
        status: 'error',
        error: { kafka: { status: 'down' } },
        info: { postgres: { status: 'up' }, redis: { status: 'up' } },
      });
    } finally {
      await stack.broker.command('all-up');
    }
    expect(res.status).toBe(503);
    const [row] = await stack.dataSource.query(
      `SELECT replayed_at, replayed_by FROM dlq_records WHERE id = $1`,
      [second],
    );
    expect(row).toEqual({ replayed_at: null, replayed_by: null });
    const trail = await stack.dataSource.query(
      `SELECT action, outcome FROM audit_log WHERE entity_id = $1 AND action LIKE 'dlq.replay%' ORDER BY audit_log.seq`,
      [second],
    );
    expect(trail).toEqual([
      { action: 'dlq.replay.claim', outcome: 'success' },
      { action: 'dlq.replay', outcome: 'failure' },
    ]);
  }, 90000);
});
