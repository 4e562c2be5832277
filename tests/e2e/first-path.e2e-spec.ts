import { HEADERS, TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { asMessage, labResult } from '../support/lab-results';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

/**
 * The walking skeleton, end to end on the real parts: events produced to the broker → result rows → one
 * alert → one email per care-team member, with no PHI; redelivery, non-enrolled patients and malformed events
 * change nothing they should not.
 */
describe('result → alert → email (foundation path)', () => {
  let stack: TestStack;
  let patientId: string;

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await stack.dataSource.query(sql, params))[0].n);

  beforeAll(async () => {
    stack = await startTestStack();
    ({ patientId } = await seedDemoPatient(stack.dataSource));
    await stack.startProcessor();
    await stack.startNotifier();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const breaching = labResult({
    messageControlId: 'MSG-PLT-37',
    value: 37.5,
    observation: { code: '777-3', system: 'LN', orderId: 'ORD-37' },
  });

  it('stores results, opens one PLT-4 alert and emails each care-team member without PHI', async () => {
    await stack.producer.send(TOPICS.labResults, [
      asMessage(
        labResult({
          observation: { code: '718-7', system: 'LN', orderId: 'ORD-HB' },
          value: 13.5,
          unit: 'g/dL',
          referenceRange: '12-16',
        }),
      ),
      asMessage(breaching),
      asMessage(
        labResult({
          observation: { code: '2951-2', system: 'LN', orderId: 'ORD-NA' },
          value: 139,
          unit: 'mmol/L',
          referenceRange: '135-145',
        }),
      ),
    ]);

    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM results WHERE patient_id = $1`, [patientId])) === 3,
      { description: '3 result rows' },
    );
    const alerts = await stack.dataSource.query(
      // The demo patient has no haemoglobin baseline: DQ-2 says so (information, never paged); not this test's matter.
      `SELECT reference, rule_id, severity, emergency, state, occurrence_count, explanation FROM alerts WHERE rule_id <> 'DQ-2'`,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule_id: 'PLT-4',
      severity: 'critical',
      emergency: false,
      state: 'open',
      occurrence_count: 1,
    });
    expect(alerts[0].explanation.values[0]).toMatchObject({
      value: 37.5,
      unit: '10*9/L',
      range: { low: 150, high: 400, source: 'lab' },
    });

    const rows = await stack.dataSource.query(
      `SELECT analyte, value, unit, quality, value_original, unit_original FROM results ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        analyte: 'haemoglobin',
        value: '13.5',
        unit: 'g/dL',
        quality: 'ok',
        value_original: '13.5',
        unit_original: 'g/dL',
      },
      {
        analyte: 'platelets',
        value: '37.5',
        unit: '10*9/L',
        quality: 'ok',
        value_original: '37.5',
        unit_original: '10*9/L',
      },
      {
        analyte: null,
        value: null,
        unit: null,
        quality: 'not-watched',
        value_original: '139',
        unit_original: 'mmol/L',
      },
    ]);

    const mails = await stack.smtp.waitForMessages(2);
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['ms-nurse@hospital.test', 'neurologist@hospital.test']);
    const reference: string = alerts[0].reference;
    for (const mail of mails) {
      expect(mail.subject).toBe(`[CRITICAL] Lab safety alert ${reference} needs review`);
      expect(mail.text).toContain(`https://alerts.test.example/alerts/${reference}`);
      const everything = `${mail.subject}\n${mail.text}\n${mail.html}`;
      // Alert references (Crockford base32, no dot, no O) cannot produce any of these by chance.
      for (const phi of [
        'Jana',
        'Nováková',
        'MRN1001',
        'HOSP',
        '1984-05-17',
        '17.05.1984',
        '37.5',
        '37,5',
        'latelet',
        '777-3',
      ]) {
        expect(everything).not.toContain(phi);
      }
    }
    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM delivery_attempts WHERE outcome = 'sent'`)) === 2,
      { description: '2 sent attempts recorded' },
    );
    expect(await count(`SELECT count(*) AS n FROM deliveries WHERE state = 'sent'`)).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM notifications WHERE state = 'dispatched'`)).toBe(1);
  });

  it('changes nothing when the same event is delivered again', async () => {
    const before = {
      results: await count(`SELECT count(*) AS n FROM results`),
      occurrences: await count(`SELECT count(*) AS n FROM alert_occurrences`),
      notifications: await count(`SELECT count(*) AS n FROM notifications`),
    };
    await stack.producer.send(TOPICS.labResults, [asMessage(breaching), asMessage(breaching)]);
    await stack.waitUntilConsumed();
    expect(await count(`SELECT count(*) AS n FROM results`)).toBe(before.results);
    expect(await count(`SELECT count(*) AS n FROM alert_occurrences`)).toBe(before.occurrences);
    expect(await count(`SELECT count(*) AS n FROM notifications`)).toBe(before.notifications);
    expect(
      await count(`SELECT count(*) AS n FROM alerts WHERE occurrence_count = 1 AND rule_id <> 'DQ-2'`),
    ).toBe(1);
    expect(stack.smtp.messages).toHaveLength(2);
  });

  it('drops a non-enrolled patient’s result without storing it', async () => {
    const before = await count(`SELECT count(*) AS n FROM results`);
    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ patient: { id: 'MRN9999', authority: 'HOSP' }, value: 12 })),
    ]);
    await stack.waitUntilConsumed();
    expect(await count(`SELECT count(*) AS n FROM results`)).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM alerts WHERE rule_id <> 'DQ-2'`)).toBe(1);
    // The lab is alive whoever its results are for: the monitoring schedule's feed table hears of it.
    await waitFor(
      async () =>
        (await count(
          `SELECT count(*) AS n FROM lab_feeds WHERE sender = 'LIS^CENTRAL-LAB' AND last_seen_at IS NOT NULL`,
        )) === 1,
      {
        description: 'the sender recorded in lab_feeds',
      },
    );
  });

  it('dead-letters a malformed event with its reason and keeps consuming the partition', async () => {
    const key = 'HOSP|MRN1001';
    const after = labResult({ value: 230 });
    await stack.producer.send(TOPICS.labResults, [
      {
        key,
        value: '{"schema":"lab-result.v1","patient":',
        headers: { [HEADERS.contentType]: 'application/vnd.lab-result.v1+json' },
      },
      { key, value: JSON.stringify({ ...labResult(), valueType: 'NM', value: 'high' }) },
      asMessage(after),
    ]);
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM results WHERE message_control_id = $1`, [
          after.messageControlId,
        ])) === 1,
      {
        description: 'the event after the malformed ones to be stored',
      },
    );
    const records = await stack.dataSource.query(
      `SELECT reason, source_topic, payload FROM dlq_records ORDER BY source_offset`,
    );
    expect(records).toHaveLength(2);
    expect(records[0].reason).toMatch(/^invalid JSON/);
    expect(records[1].reason).toBe('invalid lab-result.v1 event: value: NM value must be a number');
    expect(records[0].payload.toString()).toBe('{"schema":"lab-result.v1","patient":');

    const dlq = stack.kafka.consumer({ groupId: 'dlq-reader' });
    await dlq.connect();
    await dlq.subscribe({ topic: TOPICS.labResultsDlq, fromBeginning: true });
    const seen: Array<{ reason: string; offset: string; value: string }> = [];
    await dlq.run({
      eachMessage: async ({ message }) => {
        seen.push({
          reason: message.headers![HEADERS.dlqReason]!.toString(),
          offset: message.headers![HEADERS.dlqSourceOffset]!.toString(),
          value: message.value!.toString(),
        });
      },
    });
    await waitFor(() => seen.length >= 2, { description: 'two DLQ messages' });
    await dlq.disconnect();
    expect(seen.map((s) => s.reason)).toEqual([records[0].reason, records[1].reason]);
    expect(seen[0]!.value).toBe('{"schema":"lab-result.v1","patient":');
  });
});
