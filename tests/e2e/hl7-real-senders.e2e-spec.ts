import { type INestApplicationContext } from '@nestjs/common';
import { waitFor } from '@alem/local-stack';
import { enrolPatient } from '@alem/persistence';
import { mllpFrame } from '../../apps/ingest-gateway/src/mllp/mllp-frame.decoder';
import { EnrolmentCache } from '../../apps/result-processor/src/enrolment-cache';
import { type RunningGateway, startGateway } from '../support/ingest-gateway';
import { RawPeer } from '../support/raw-mllp-peer';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

const MSH = (controlId: string, sender = 'LIS|CENTRAL-LAB') =>
  `MSH|^~\\&|${sender}|ALEMALERT|SAFETY|20261120081500+0100||ORU^R01^ORU_R01|${controlId}|P|2.5.1`;
const PID = 'PID|1||MRN1001^^^HOSP^MR||Testova^Jana||19840517|F';
const OBR = (order: string) => `OBR|1||${order}|58410-2^CBC panel^LN|||20261120081500+0100`;
const PLATELETS = (setId: number, value: string) =>
  `OBX|${setId}|NM|777-3^Platelets^LN||${value}|10*9/L|150-400|LL|||F|||20261120081500+0100`;

/**
 * HL7 v2 shaped the way real laboratories send it, through the gateway (MLLP) to the processor on the real parts
 * (issue 12): a segment short of OBX-11 among good ones, numbers no double can hold, escapes built to overflow a
 * stack, senders and authorities named by universal id, and more OBX than one message may carry. Every answer
 * is checked, every refused result of the enrolled patient must be a DLQ record with its reason, and an
 * unhandled rejection anywhere in the gateway fails the test.
 */
describe('HL7 v2 as real laboratories send it, end to end', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let peer: RawPeer;
  let processor: INestApplicationContext;
  const unhandled: unknown[] = [];
  const recordUnhandled = (reason: unknown) => unhandled.push(reason);

  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  const send = async (...segments: string[]) => {
    const before = peer.acks.length;
    await peer.write(mllpFrame(segments.join('\r')));
    return (await peer.waitForAcks(before + 1))[before]!;
  };
  const dlqReason = async (controlId: string) => {
    await waitFor(
      async () => (await q(`SELECT 1 FROM dlq_records WHERE reason LIKE $1`, [`%${controlId}%`])).length > 0,
      {
        description: `the DLQ record of ${controlId}`,
      },
    );
    return (await q(`SELECT reason FROM dlq_records WHERE reason LIKE $1`, [`%${controlId}%`]))[0]
      .reason as string;
  };

  beforeAll(async () => {
    process.on('unhandledRejection', recordUnhandled);
    stack = await startTestStack();
    await seedDemoPatient(stack.dataSource);
    processor = await stack.startProcessor();
    gateway = await startGateway({ ...stack.config, hl7: { ...stack.config.hl7, maxObservations: 50 } });
    peer = await RawPeer.connect(gateway.mllpPort);
  });

  afterEach(() => expect(unhandled).toEqual([]));

  afterAll(async () => {
    peer?.socket.destroy();
    await gateway?.close();
    await stack?.stop();
    process.off('unhandledRejection', recordUnhandled);
  });

  it('an OBX without OBX-11 among good ones is refused alone: the critical platelet count after it opens PLT-4 (item 7)', async () => {
    const ack = await send(
      MSH('RS-SHORT-1'),
      PID,
      OBR('ORD-RS-1'),
      'OBX|1|NM|718-7^Haemoglobin^LN||13.1|g/dL',
      PLATELETS(2, '12'),
    );
    expect(ack).toMatchObject({ code: 'AE', controlId: 'RS-SHORT-1' });
    expect(ack.text).toMatch(
      /^1 of 2 OBX not accepted; OBX 1 \(718-7\\S\\LN\): skipped, OBX-11 result status/,
    );
    await waitFor(
      async () => (await q(`SELECT 1 FROM alerts WHERE rule_id = 'PLT-4' AND emergency`)).length === 1,
      { description: 'the PLT-4 emergency alert' },
    );
    const stored = await q(
      `SELECT code, value::float AS value FROM results WHERE message_control_id = 'RS-SHORT-1'`,
    );
    expect(stored).toEqual([{ code: '777-3', value: 12 }]);
    expect(await dlqReason('RS-SHORT-1')).toBe(
      '1 OBX of HL7 message RS-SHORT-1 not taken: OBX 1 (718-7^LN): OBX-11 result status "" is not supported',
    );
  });

  it('a number beyond the range of a double is refused with a reason, answered AE and dead-lettered (items 3, 4)', async () => {
    const ack = await send(MSH('RS-INF-1'), PID, OBR('ORD-RS-2'), PLATELETS(1, '9'.repeat(400)));
    expect(ack).toMatchObject({ code: 'AE', controlId: 'RS-INF-1' });
    // MSA-3 holds 80 characters; the DLQ record holds the whole reason.
    expect(ack.text).toMatch(/^1 of 1 OBX not accepted; OBX 1 \(777-3\\S\\LN\): skipped, NM value is beyond/);
    expect(await dlqReason('RS-INF-1')).toBe(
      '1 OBX of HL7 message RS-INF-1 not taken: OBX 1 (777-3^LN): NM value is beyond the range of a number',
    );
    expect(await q(`SELECT 1 FROM results WHERE message_control_id = 'RS-INF-1'`)).toEqual([]);
  });

  it('a 300 kB \\X..\\ escape is answered, echoing MSH-10, and the connection goes on (item 10)', async () => {
    const hostile = `\\X${'41'.repeat(150_000)}\\`;
    const ack = await send(
      MSH('RS-ESC-1', `${hostile}|CENTRAL-LAB`),
      PID,
      OBR('ORD-RS-3'),
      PLATELETS(1, '180'),
    );
    expect(ack).toMatchObject({
      code: 'AE',
      controlId: 'RS-ESC-1',
      text: 'MSH-3 or MSH-4 is longer than 128 characters',
    });
    const text = await send(
      MSH('RS-ESC-2'),
      PID,
      OBR('ORD-RS-4'),
      `OBX|1|TX|11529-5^Comment^LN||${hostile}||||||F|||20261120081500+0100`,
      PLATELETS(2, '181'),
    );
    expect(text).toMatchObject({ code: 'AE', controlId: 'RS-ESC-2' });
    expect(text.text).toMatch(
      /^1 of 2 OBX not accepted; OBX 1 \(11529-5\\S\\LN\): skipped, OBX-5 text is longer/,
    );
    expect(await send(MSH('RS-ESC-3'), PID, OBR('ORD-RS-5'), PLATELETS(1, '182'))).toMatchObject({
      code: 'AA',
      controlId: 'RS-ESC-3',
    });
  });

  it('senders and assigning authorities named by universal id are read and matched on any form (item 6)', async () => {
    const [{ care_team_id: teamId }] = await q(`SELECT care_team_id FROM patients LIMIT 1`);
    await enrolPatient(stack.dataSource, {
      siteId: 'site-1',
      careTeamId: teamId,
      indication: 'MS',
      identifiers: [{ authority: '2.16.840.1.113883.19.5', identifier: 'OID-77' }],
      displayName: 'Universal Id',
      birthDate: '1980-01-01',
      sex: 'female',
      courses: [
        {
          courseNumber: 1,
          infusionDays: ['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-04', '2025-09-05'],
        },
      ],
    });
    // Registered under the universal id alone; the message names the authority whole.
    const named = { id: 'OID-77', authority: '&2.16.840.1.113883.19.5&ISO' };
    await waitFor(() => processor.get(EnrolmentCache).lookup(named) !== undefined, {
      description: 'the enrolment cache to hear of the patient',
    });
    const ack = await send(
      MSH('RS-HD-1', 'ELR^2.16.840.1.114222.4.3.2.2^ISO|^05D0000000^CLIA'),
      'PID|1||OID-77^^^&2.16.840.1.113883.19.5&ISO^MR',
      OBR('ORD-RS-6'),
      PLATELETS(1, '15'),
    );
    expect(ack).toMatchObject({ code: 'AA', controlId: 'RS-HD-1' });
    await waitFor(
      async () => (await q(`SELECT 1 FROM results WHERE message_control_id = 'RS-HD-1'`)).length === 1,
      {
        description: 'the result of the patient enrolled by universal id',
      },
    );
    const [row] = await q(`SELECT sender FROM results WHERE message_control_id = 'RS-HD-1'`);
    expect(row.sender).toBe('ELR&2.16.840.1.114222.4.3.2.2&ISO^&05D0000000&CLIA');
  });

  it('more OBX than one message may carry are refused whole with AR and the limit (item 9)', async () => {
    const many = Array.from({ length: 51 }, (_, i) => PLATELETS(i + 1, '200'));
    const ack = await send(MSH('RS-MANY-1'), PID, OBR('ORD-RS-7'), ...many);
    expect(ack).toMatchObject({
      code: 'AR',
      controlId: 'RS-MANY-1',
      text: '51 OBX in one message; at most 50 are taken: send the report in parts',
    });
  });
});
