import { issueApiKey } from '@alem/access';
import { CONTENT_TYPES, HEADERS, TOPICS } from '@alem/messaging';
import { labResult } from '../support/lab-results';
import { hl7Fixture, oruR01, PLATELETS, retarget } from '../support/hl7-messages';
import { issueLabKey, type RunningGateway, startGateway, TopicReader } from '../support/ingest-gateway';
import { startTestStack, type TestStack } from '../support/test-stack';

const PATIENT = { id: 'MRN4001', authority: 'HOSP' };
const HL7 = CONTENT_TYPES.hl7v2;
const message = (controlId: string) =>
  oruR01({
    controlId,
    patient: PATIENT,
    observedAt: '20261120081500+0100',
    observations: [PLATELETS('180')],
  });

/** `POST /v1/results` on the real broker and database: API keys, sender checks, limits, refusals, Kafka. */
describe('ingest gateway: HTTP intake', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let results: TopicReader;
  let dlq: TopicReader;
  let lisKey: string;
  let cityLabKey: string;

  beforeAll(async () => {
    stack = await startTestStack();
    gateway = await startGateway(stack.config, { http: { maxBodyBytes: 4096 }, produceTimeoutMs: 1500 });
    results = await TopicReader.start(stack.kafka, TOPICS.labResults);
    dlq = await TopicReader.start(stack.kafka, TOPICS.labResultsDlq);
    lisKey = await issueLabKey(stack.dataSource, 'LIS^CENTRAL-LAB');
    cityLabKey = await issueLabKey(stack.dataSource, 'LABSYS^CITYLAB');
  });

  afterAll(async () => {
    await results?.stop();
    await dlq?.stop();
    await gateway?.close();
    await stack?.stop();
  });

  const post = (key: string | null, type: string, body: string) => {
    const req = gateway.http().post('/v1/results').set('Content-Type', type);
    return (key ? req.set('Authorization', `Bearer ${key}`) : req).send(body);
  };

  it('refuses a request without a valid API key (401)', async () => {
    const none = await post(null, HL7, message('HTTP-401'));
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });

    const wrong = await post(`${lisKey.slice(0, -4)}AAAA`, HL7, message('HTTP-401'));
    expect(wrong.status).toBe(401);

    const revoked = await issueLabKey(stack.dataSource, 'LIS^CENTRAL-LAB');
    await stack.dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [
      revoked.split('_')[1],
    ]);
    expect((await post(revoked, HL7, message('HTTP-401'))).status).toBe(401);
  });

  it('accepts HL7 v2 with 202 and the control id once Kafka has it', async () => {
    const body = message('HTTP-OK-1');
    const response = await post(lisKey, HL7, body);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
      status: 'accepted',
      controlId: 'HTTP-OK-1',
      ackCode: 'AA',
      skipped: 0,
    });
    expect(response.body.ack).toMatch(/\rMSA\|AA\|HTTP-OK-1$/);
    const [record] = await results.waitForRecords('HTTP-OK-1');
    expect(record!.key).toBe('HOSP|MRN4001');
    expect(record!.headers[HEADERS.contentType]).toBe(HL7);
    expect(record!.headers[HEADERS.authenticatedSender]).toBe('LIS^CENTRAL-LAB');
    expect(record!.value.toString()).toBe(body);
  });

  it('takes the X-API-Key header and the x-application/hl7-v2+er7 type too', async () => {
    const response = await gateway
      .http()
      .post('/v1/results')
      .set('Content-Type', 'x-application/hl7-v2+er7; charset=utf-8')
      .set('X-API-Key', lisKey)
      .send(message('HTTP-OK-2'));
    expect(response.status).toBe(202);
    await results.waitForRecords('HTTP-OK-2');
  });

  it('refuses a message of another sender than the key’s (403): dead-lettered with the reason, not taken', async () => {
    const response = await post(cityLabKey, HL7, message('HTTP-403'));
    expect(response.status).toBe(403);
    expect(response.body.message).toContain('LABSYS^CITYLAB');
    expect(response.body.details).toMatchObject({ ackCode: 'AR', deadLettered: true });
    const refusedEvent = labResult();
    const event = await post(cityLabKey, 'application/json', JSON.stringify(refusedEvent));
    expect(event.status).toBe(403);
    const [record] = await dlq.waitForRecords('HTTP-403');
    expect(record!.headers[HEADERS.dlqReason]).toBe(response.body.message);
    expect(record!.headers[HEADERS.authenticatedSender]).toBe('LABSYS^CITYLAB');
    await dlq.waitForRecords(refusedEvent.messageControlId);
    // Accepted messages are produced before they are answered: nothing refused can still be on its way.
    expect(results.records.some((r) => r.value.includes('HTTP-403'))).toBe(false);
    expect(results.records.some((r) => r.value.includes(refusedEvent.messageControlId))).toBe(false);
  });

  it('binds a sender to its assigning authorities: another hospital’s patients are refused (403) and dead-lettered (issue 14)', async () => {
    const bound = await issueLabKey(stack.dataSource, 'UROLAB^NORTHCLINIC', ['NORTHCLINIC']);
    const foreign = { id: 'MRN9', authority: 'HOSP' };
    const hl7 = oruR01({
      controlId: 'HTTP-FOREIGN',
      sender: { application: 'UROLAB', facility: 'NORTHCLINIC' },
      patient: foreign,
      observedAt: '20261120081500+0100',
      observations: [PLATELETS('12')],
    });
    const response = await post(bound, HL7, hl7);
    expect(response.status).toBe(403);
    expect(response.body.message).toBe('UROLAB^NORTHCLINIC may not report for assigning authority HOSP');
    const events = [
      labResult({
        sender: { application: 'UROLAB', facility: 'NORTHCLINIC' },
        patient: { id: 'N1', authority: 'NORTHCLINIC' },
      }),
      labResult({ sender: { application: 'UROLAB', facility: 'NORTHCLINIC' }, patient: foreign }),
    ];
    const json = await post(bound, 'application/json', JSON.stringify(events));
    expect(json.status).toBe(403);
    expect(json.body.message).toBe(response.body.message);
    // The whole request is refused: its own hospital's event is not taken either (a fixed retry cannot double).
    for (const event of events) {
      const [record] = await dlq.waitForRecords(event.messageControlId);
      expect(record!.headers[HEADERS.dlqReason]).toBe(response.body.message);
    }
    await dlq.waitForRecords('HTTP-FOREIGN');
    expect(results.records.some((r) => r.value.includes(events[0]!.messageControlId))).toBe(false);

    const own = labResult({
      sender: { application: 'UROLAB', facility: 'NORTHCLINIC' },
      patient: { id: 'N1', authority: 'NORTHCLINIC' },
    });
    expect((await post(bound, 'application/json', JSON.stringify(own))).status).toBe(202);
    const [taken] = await results.waitForRecords(own.messageControlId);
    expect(taken!.headers[HEADERS.authenticatedSender]).toBe('UROLAB^NORTHCLINIC');
  });

  it('refuses a key whose sender is not registered (403): it may report for no one', async () => {
    const issued = issueApiKey();
    await stack.dataSource.query(
      `INSERT INTO api_keys (id, sender, description, secret_hash) VALUES ($1, 'GHOST^LAB', 'unregistered', $2)`,
      [issued.keyId, issued.secretHash],
    );
    const event = labResult({ sender: { application: 'GHOST', facility: 'LAB' } });
    const response = await post(issued.key, 'application/json', JSON.stringify(event));
    expect(response.status).toBe(403);
    expect(response.body.message).toMatch(/^sender GHOST\^LAB is not registered/);
  });

  it('sets receivedAt itself: an event that sets it is refused (400) (issue 14)', async () => {
    const dated = { ...labResult({ patient: PATIENT }), receivedAt: '2026-01-01T00:00:00Z' };
    const response = await post(
      lisKey,
      'application/json',
      JSON.stringify([labResult({ patient: PATIENT }), dated]),
    );
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(
      'event 1 sets receivedAt; leave it out, the gateway sets it on receipt',
    );
  });

  it('refuses a body over the limit (413)', async () => {
    const big = `${message('HTTP-413')}\rNTE|1|L|${'x'.repeat(5000)}`;
    const response = await post(lisKey, HL7, big);
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('refuses a message that does not parse (400) with the reason, and dead-letters it', async () => {
    const body = retarget(hl7Fixture('oru-r01-missing-pid3'), { controlId: 'HTTP-400' });
    const response = await post(cityLabKey, HL7, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      statusCode: 400,
      message: 'PID-3 patient identifier is missing',
      details: { controlId: 'HTTP-400', ackCode: 'AE', deadLettered: true },
    });
    expect(response.body.details.ack).toContain('MSA|AE|HTTP-400|PID-3 patient identifier is missing');
    const [record] = await dlq.waitForRecords('HTTP-400');
    expect(record!.headers[HEADERS.dlqSource]).toBe('ingest-gateway/http');
  });

  it('refuses a message type it does not take (422)', async () => {
    const body = retarget(hl7Fixture('adt-a01'), { controlId: 'HTTP-422' });
    const response = await post(await issueLabKey(stack.dataSource, 'ADTSYS^CITYHOSP'), HL7, body);
    expect(response.status).toBe(422);
    expect(response.body.message).toBe('unsupported message type ADT^A01');
  });

  it('accepts lab-result.v1 events, one or an array, with 202', async () => {
    const events = [labResult({ patient: PATIENT }), labResult({ patient: PATIENT, value: 95 })];
    const response = await post(lisKey, 'application/json', JSON.stringify(events));
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      status: 'accepted',
      accepted: 2,
      messageControlIds: events.map((e) => e.messageControlId),
    });
    const [record] = await results.waitForRecords(events[1]!.messageControlId);
    expect(record!.key).toBe('HOSP|MRN4001');
    expect(record!.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.labResultJson);
    expect(record!.headers[HEADERS.authenticatedSender]).toBe('LIS^CENTRAL-LAB');
    const stored = JSON.parse(record!.value.toString());
    expect(stored).toMatchObject({ ...events[1], receivedAt: record!.headers[HEADERS.receivedAt] });

    const single = await post(lisKey, 'application/json', JSON.stringify(labResult({ patient: PATIENT })));
    expect(single.status).toBe(202);
  });

  it('refuses invalid events (400) with the reason, and malformed JSON (400)', async () => {
    const invalid = await post(
      lisKey,
      'application/json',
      JSON.stringify([labResult(), { ...labResult(), value: 'high' }]),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toBe('invalid lab-result.v1 event: value: NM value must be a number');
    expect(invalid.body.details).toEqual({ events: [{ index: 1, reason: invalid.body.message }] });

    const malformed = await post(lisKey, 'application/json', '{"schema":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('The request body is not valid JSON');
  });

  it('refuses other content types (415)', async () => {
    expect((await post(lisKey, 'text/plain', message('HTTP-415'))).status).toBe(415);
  });

  it('answers 503 with Retry-After while Kafka is down', async () => {
    await stack.broker.command('all-down');
    try {
      const response = await post(lisKey, HL7, message('HTTP-503'));
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body.details).toMatchObject({ controlId: 'HTTP-503', ackCode: 'AR' });
    } finally {
      await stack.broker.command('all-up');
    }
  });
});
