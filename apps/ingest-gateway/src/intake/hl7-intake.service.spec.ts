import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONTENT_TYPES, HEADERS, type OutboundMessage, TOPICS } from '@alem/messaging';
import { type AppConfig, ManualClock } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';
import { Hl7IntakeService, type ReceivedHl7 } from './hl7-intake.service';
import {
  deadLetterRecord,
  KafkaUnavailableError,
  type Refusal,
  type ResultPublisher,
} from './result.publisher';

const fixture = (name: string) =>
  readFileSync(path.join(__dirname, '../../../../tests/fixtures/hl7', `${name}.hl7`), 'utf8');

/** A publisher that records what it is given, or fails like a broker that does not answer. */
class FakePublisher {
  readonly sent: Array<{ topic: string; messages: OutboundMessage[] }> = [];
  down = false;

  async publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    if (this.down) throw new KafkaUnavailableError(topic, new Error('timed out'));
    this.sent.push({ topic, messages });
  }

  /** As the real one: the refusals' DLQ records, through `publish`. */
  async deadLetter(refusals: readonly Refusal[], failedAt: Date): Promise<void> {
    await this.publish(
      TOPICS.labResultsDlq,
      refusals.map((refusal) => deadLetterRecord(refusal, failedAt)),
    );
  }
}

describe('Hl7IntakeService', () => {
  const clock = new ManualClock('2026-11-20T08:00:00Z');
  const config = { hl7: { defaultTimeZone: 'Europe/Prague' } } as AppConfig;
  let publisher: FakePublisher;
  let intake: Hl7IntakeService;
  const received = (text: string): ReceivedHl7 => ({
    raw: Buffer.from(text),
    channel: 'mllp',
    receivedAt: clock.now(),
  });
  const msa = (ack: string) => ack.split('\r').find((s) => s.startsWith('MSA|'));

  beforeEach(() => {
    publisher = new FakePublisher();
    intake = new Hl7IntakeService(
      publisher as unknown as ResultPublisher,
      new GatewayMetrics(),
      clock,
      config,
    );
  });

  it('answers AA after producing the raw bytes keyed by patient, with the HL7 content type', async () => {
    const text = fixture('oru-r01-v24-time-zones').replace('\rOBX|7|', '\rNTE|7|');
    const result = await intake.take(received(text));
    expect(result).toMatchObject({ ackCode: 'AA', controlId: 'TZ-0001', destination: 'results', skipped: 0 });
    expect(msa(result.ack)).toBe('MSA|AA|TZ-0001');
    expect(publisher.sent).toHaveLength(1);
    const [{ topic, messages }] = publisher.sent as [{ topic: string; messages: OutboundMessage[] }];
    expect(topic).toBe(TOPICS.labResults);
    expect(messages[0]).toEqual({
      key: 'CITYHOSP|4711',
      value: Buffer.from(text),
      headers: {
        [HEADERS.contentType]: CONTENT_TYPES.hl7v2,
        [HEADERS.receivedAt]: '2026-11-20T08:00:00.000Z',
      },
    });
  });

  it('answers AE naming the first refused OBX when some were refused, and still produces the message', async () => {
    const result = await intake.take(received(fixture('oru-r01-v251-corrections')));
    expect(result.ackCode).toBe('AE');
    expect(result.destination).toBe('results');
    expect(result.skipped).toBe(2);
    expect(result.reason).toBe(
      '2 of 10 OBX not accepted; OBX 4 (718-7^LN): skipped, NM value is not a number',
    );
    // MSA-3 carries the reason escaped (^ → \S\) and cut to 80 characters.
    expect(msa(result.ack)).toBe(
      'MSA|AE|MSG-0107|2 of 10 OBX not accepted; OBX 4 (718-7\\S\\LN): skipped, NM value is not a number',
    );
    expect(result.ack).toContain('\rERR|||207^');
    expect(publisher.sent[0]!.topic).toBe(TOPICS.labResults);
  });

  it('answers AE with the reason and dead-letters a message that does not parse', async () => {
    const result = await intake.take(received(fixture('oru-r01-pid3-without-authority')));
    expect(result).toMatchObject({
      ackCode: 'AE',
      refusal: 'AE',
      controlId: 'MSG-0202',
      destination: 'dlq',
      reason: 'PID-3 has no identifier with an assigning authority (PID-3.4)',
    });
    expect(msa(result.ack)).toBe(
      'MSA|AE|MSG-0202|PID-3 has no identifier with an assigning authority (PID-3.4)',
    );
    const [{ topic, messages }] = publisher.sent as [{ topic: string; messages: OutboundMessage[] }];
    expect(topic).toBe(TOPICS.labResultsDlq);
    expect(messages[0]!.key).toBeNull();
    expect(messages[0]!.headers).toMatchObject({
      [HEADERS.dlqReason]: result.reason,
      [HEADERS.dlqSource]: 'ingest-gateway/mllp',
      [HEADERS.dlqFailedAt]: '2026-11-20T08:00:00.000Z',
    });
  });

  it('answers AR (ERR 200) for a message type it does not take, and dead-letters it', async () => {
    const result = await intake.take(received(fixture('adt-a01')));
    expect(result).toMatchObject({ ackCode: 'AR', refusal: 'AR', destination: 'dlq', controlId: 'ADT-5521' });
    expect(result.ack).toContain('\rERR|||200^');
    expect(publisher.sent[0]!.topic).toBe(TOPICS.labResultsDlq);
  });

  it('answers AR (ERR 207, send again) when Kafka does not acknowledge, for good and bad messages alike', async () => {
    publisher.down = true;
    for (const name of ['oru-r01-v251-cbc-chemistry', 'oru-r01-missing-pid3']) {
      const result = await intake.take(received(fixture(name)));
      expect(result).toMatchObject({ ackCode: 'AR', destination: 'none', refusal: null });
      expect(msa(result.ack)).toMatch(
        /^MSA\|AR\|MSG-0[02]01\|temporarily unable to store the message; send it again$/,
      );
      expect(result.ack).toContain('\rERR|||207^');
    }
  });

  it('answers an oversize message AE from its first bytes, echoing MSH-10', () => {
    const head = Buffer.from(fixture('oru-r01-v251-cbc-chemistry').slice(0, 300));
    const ack = intake.refuseOversize(head, 1024, 'mllp');
    expect(msa(ack)).toBe('MSA|AE|MSG-0001|message larger than 1024 bytes; not accepted');
  });
});
