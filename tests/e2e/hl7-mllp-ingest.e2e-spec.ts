import { CONTENT_TYPES, HEADERS, TOPICS } from '@alem/messaging';
import { LabMllpClient, type ReceivedAck, waitFor } from '@alem/local-stack';
import { hl7Fixture, oruR01, PLATELETS, retarget } from '../support/hl7-messages';
import { type RunningGateway, startGateway, TopicReader } from '../support/ingest-gateway';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

const PATIENT = { id: 'MRN1001', authority: 'HOSP' };

/**
 * A lab's HL7 client (node-hl7-client, a third-party library) sends ORU^R01 over MLLP to the gateway, which
 * runs beside the result processor on the real parts. ACKs come only after Kafka acknowledged the write; what
 * the gateway cannot take is answered AE/AR and dead-lettered; with the broker down the answer is AR, and the
 * resend after it is back lands exactly once.
 */
describe('HL7 v2 over MLLP → Kafka → results and alerts', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let lab: LabMllpClient;
  let results: TopicReader;
  let dlq: TopicReader;

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await stack.dataSource.query(sql, params))[0].n);
  const storedFor = (controlId: string) =>
    count(`SELECT count(*) AS n FROM results WHERE message_control_id = $1`, [controlId]);

  beforeAll(async () => {
    stack = await startTestStack();
    await seedDemoPatient(stack.dataSource);
    await stack.startProcessor();
    gateway = await startGateway(stack.config, { produceTimeoutMs: 1500 });
    results = await TopicReader.start(stack.kafka, TOPICS.labResults);
    dlq = await TopicReader.start(stack.kafka, TOPICS.labResultsDlq);
    lab = await LabMllpClient.connect(gateway.mllpPort);
  });

  afterAll(async () => {
    await lab?.close();
    await results?.stop();
    await dlq?.stop();
    await gateway?.close();
    await stack?.stop();
  });

  it('answers AA once Kafka has the message, which is stored and opens the platelet alert', async () => {
    const message = oruR01({
      controlId: 'GW-PLT-1',
      patient: PATIENT,
      observedAt: '20261120081500+0100',
      observations: [PLATELETS('42', 'LL')],
    });
    const ack = await lab.send(message);
    expect(ack).toMatchObject({ code: 'AA', controlId: 'GW-PLT-1', err: '' });

    const [record] = await results.waitForRecords('GW-PLT-1');
    expect(record!.key).toBe('HOSP|MRN1001');
    expect(record!.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.hl7v2);
    expect(record!.value.toString()).toBe(message);

    await waitFor(async () => (await storedFor('GW-PLT-1')) === 1, { description: 'the result row' });
    const alerts = await stack.dataSource.query(`SELECT rule_id, severity, state FROM alerts`);
    expect(alerts).toEqual([{ rule_id: 'PLT-4', severity: 'critical', state: 'open' }]);
  });

  it('answers AE with the reason for a message it cannot parse, echoing MSH-10, and dead-letters it', async () => {
    const message = retarget(hl7Fixture('oru-r01-missing-pid3'), { controlId: 'GW-BAD-1' });
    const ack = await lab.send(message);
    expect(ack.code).toBe('AE');
    expect(ack.controlId).toBe('GW-BAD-1');
    expect(ack.text).toContain('PID-3');
    expect(ack.err).toMatch(/^ERR\|\|\|101\^/);

    const [record] = await dlq.waitForRecords('GW-BAD-1');
    // As the client sent it (node-hl7-client drops the last segment terminator).
    expect(record!.value.toString()).toBe(message.replace(/\r$/, ''));
    expect(record!.headers).toMatchObject({
      [HEADERS.contentType]: CONTENT_TYPES.hl7v2,
      [HEADERS.dlqSource]: 'ingest-gateway/mllp',
    });
    expect(record!.headers[HEADERS.dlqReason]).toContain('PID-3');
    expect(results.records.some((r) => r.value.includes('GW-BAD-1'))).toBe(false);
  });

  it('answers AR (ERR 200) for a message type it does not take, and dead-letters it', async () => {
    const message = retarget(hl7Fixture('adt-a01'), { controlId: 'GW-ADT-1' });
    const ack = await lab.send(message);
    expect(ack).toMatchObject({ code: 'AR', controlId: 'GW-ADT-1' });
    expect(ack.err).toContain('200^');
    await dlq.waitForRecords('GW-ADT-1');
  });

  it('answers AE when some OBX were refused, and still hands the whole message on', async () => {
    const message = retarget(hl7Fixture('oru-r01-v251-corrections'), {
      controlId: 'GW-PART-1',
      patient: PATIENT,
    });
    const ack = await lab.send(message);
    expect(ack.code).toBe('AE');
    expect(ack.controlId).toBe('GW-PART-1');
    expect(ack.text).toMatch(/^2 of 10 OBX not accepted; OBX 4 \(718-7\^LN\): skipped/);
    const [record] = await results.waitForRecords('GW-PART-1');
    expect(record!.key).toBe('HOSP|MRN1001');
    await waitFor(async () => (await storedFor('GW-PART-1')) === 8, {
      description: 'the 8 accepted results',
    });
  });

  it('answers AR while the broker is down; the resend after it is back lands exactly once', async () => {
    const message = oruR01({
      controlId: 'GW-PLT-2',
      patient: PATIENT,
      observedAt: '20261124080000+0100',
      observations: [PLATELETS('38', 'LL')],
    });
    await stack.broker.command('all-down');
    let ack: ReceivedAck;
    try {
      ack = await lab.send(message);
    } finally {
      await stack.broker.command('all-up');
    }
    expect(ack).toMatchObject({ code: 'AR', controlId: 'GW-PLT-2' });
    expect(ack.text).toContain('send it again');

    // As an interface engine does: send again until accepted.
    ack = await waitFor(
      async () => {
        const again = await lab.send(message);
        return again.code === 'AA' ? again : undefined;
      },
      { timeoutMs: 30000, intervalMs: 500, description: 'AA after the broker is back' },
    );
    expect(ack.controlId).toBe('GW-PLT-2');
    await waitFor(async () => (await storedFor('GW-PLT-2')) === 1, {
      timeoutMs: 30000,
      description: 'the result row',
    });
    await stack.waitUntilConsumed(undefined, 30000);
    expect(await storedFor('GW-PLT-2')).toBe(1);
  });
});
