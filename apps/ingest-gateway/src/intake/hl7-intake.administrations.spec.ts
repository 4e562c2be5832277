import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as hl7 from '@alem/hl7';
import { type MedicationAdministrationEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, type OutboundMessage, TOPICS } from '@alem/messaging';
import { type AppConfig, ManualClock } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';
import { Hl7IntakeService, isAdministrationParse, readHl7, type ReceivedHl7 } from './hl7-intake.service';
import {
  deadLetterRecord,
  KafkaUnavailableError,
  type Refusal,
  type ResultPublisher,
} from './result.publisher';

// The readers as they are, watched: which one a message reaches is the routing decision under test.
jest.mock('@alem/hl7', () => {
  const actual = jest.requireActual('@alem/hl7');
  return {
    ...actual,
    parseOruR01: jest.fn(actual.parseOruR01),
    parsePharmacyMessage: jest.fn(actual.parsePharmacyMessage),
  };
});
const parseOruR01 = hl7.parseOruR01 as jest.MockedFunction<typeof hl7.parseOruR01>;
const parsePharmacyMessage = hl7.parsePharmacyMessage as jest.MockedFunction<typeof hl7.parsePharmacyMessage>;

const fixture = (name: string) =>
  readFileSync(path.join(__dirname, '../../../../tests/fixtures/hl7', `${name}.hl7`), 'utf8');
const RAS = fixture('ras-o17-v251-gateway-infusions');
/** The fixture's MSH-9 as another message type (`RDS^O13^RDS_O13`, `ORU^R01^ORU_R01`). */
const asType = (text: string, type: string) => text.replace('|RAS^O17^RAS_O17|', `|${type}|`);

class FakePublisher {
  readonly sent: Array<{ topic: string; messages: OutboundMessage[] }> = [];
  down: string | null = null;

  async publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    if (this.down === topic) throw new KafkaUnavailableError(topic, new Error('timed out'));
    this.sent.push({ topic, messages });
  }

  async deadLetter(refusals: readonly Refusal[], failedAt: Date): Promise<void> {
    await this.publish(
      TOPICS.labResultsDlq,
      refusals.map((refusal) => deadLetterRecord(refusal, failedAt)),
    );
  }
}

/** An administration as the pharmacy reader builds one (for the answers to a reader's verdict). */
const administration = (
  day: number,
  patient = { id: 'MRN7001', authority: 'HOSP' },
): MedicationAdministrationEvent => ({
  schema: 'medication-administration.v1',
  patient,
  sender: { application: 'PHARMSYS', facility: 'ACME-HOSP' },
  messageControlId: 'RAS-0001',
  administration: {
    id: `FIL-3310|0|${day}`,
    status: 'given',
    evidence: 'administered',
    at: `2026-11-1${5 + day}T08:15:00.000Z`,
    doseMg: 12,
    medication: { code: '117055', system: 'RXNORM', display: 'alemtuzumab' },
  },
  location: 'NEURO-INF',
});

describe('readHl7: the routing decision on MSH-9', () => {
  const options = { receivedAt: new Date('2026-11-20T08:00:00Z'), defaultTimeZone: 'Europe/Prague' };
  beforeEach(() => jest.clearAllMocks());

  it.each(['RAS^O17^RAS_O17', 'RDS^O13^RDS_O13', 'RDE^O11^RDE_O11', 'RAS^O17'])(
    'reads %s with the pharmacy reader, never the ORU reader',
    (type) => {
      const text = asType(RAS, type);
      const parse = readHl7(text, options);
      expect(parsePharmacyMessage).toHaveBeenCalledTimes(1);
      expect(parsePharmacyMessage).toHaveBeenCalledWith(text, options);
      expect(parseOruR01).not.toHaveBeenCalled();
      expect(parse).toBe(parsePharmacyMessage.mock.results[0]!.value);
    },
  );

  it.each(['ORU^R01^ORU_R01', 'ADT^A01^ADT_A01', 'RAS^O18', 'RRA^O18'])(
    'reads %s with the ORU reader (which refuses what it does not take)',
    (type) => {
      const parse = readHl7(asType(RAS, type), { ...options, maxObservations: 5 });
      expect(parseOruR01).toHaveBeenCalledWith(expect.any(String), { ...options, maxObservations: 5 });
      expect(parsePharmacyMessage).not.toHaveBeenCalled();
      expect(isAdministrationParse(parse)).toBe(false);
    },
  );

  it('refuses an administration that does not pass the medication-administration.v1 contract, keeping the rest', () => {
    const broken = {
      ...administration(2),
      administration: { ...administration(2).administration, at: 'Tuesday' },
    };
    parsePharmacyMessage.mockReturnValueOnce({
      ok: true,
      header: hl7OkHeader(),
      messageType: 'RAS^O17',
      events: [administration(1), broken],
      warnings: [],
      skipped: 0,
      refused: [],
    });
    const parse = readHl7(RAS, options);
    expect(isAdministrationParse(parse)).toBe(true);
    if (!isAdministrationParse(parse)) return;
    expect(parse.events).toEqual([administration(1)]);
    expect(parse.skipped).toBe(1);
    expect(parse.refused).toEqual([
      {
        position: 0,
        patient: broken.patient,
        reason: expect.stringMatching(/^invalid medication-administration\.v1 event: administration\.at/),
      },
    ]);
  });
});

/** MSH of the fixture, as the readers give it. */
function hl7OkHeader(): hl7.Hl7Header {
  return {
    sender: { application: 'PHARMSYS', facility: 'ACME-HOSP' },
    receiver: { application: 'ALEM', facility: 'INGEST-GATEWAY' },
    controlId: 'RAS-0001',
    version: '2.5.1',
    messageType: 'RAS^O17',
    processingId: 'P',
    encoding: hl7.STANDARD_ENCODING,
  };
}

describe('Hl7IntakeService: pharmacy messages', () => {
  const clock = new ManualClock('2026-11-20T08:00:00Z');
  const config = { hl7: { defaultTimeZone: 'Europe/Prague', maxObservations: 1000 } } as AppConfig;
  let publisher: FakePublisher;
  let intake: Hl7IntakeService;
  const received = (text: string, sender: string | null = 'PHARMSYS^ACME-HOSP'): ReceivedHl7 => ({
    raw: Buffer.from(text),
    channel: 'mllp',
    receivedAt: clock.now(),
    authenticatedSender: sender,
    peer: '10.1.2.3',
  });
  const msa = (ack: string) => ack.split('\r').find((s) => s.startsWith('MSA|'));
  const verdict = (events: MedicationAdministrationEvent[], refused: hl7.RefusedAdministration[] = []) =>
    parsePharmacyMessage.mockReturnValueOnce({
      ok: true,
      header: hl7OkHeader(),
      messageType: 'RAS^O17',
      events,
      warnings: refused.map((r) => r.reason.replace('): ', '): skipped, ')),
      skipped: refused.length,
      refused,
    });

  beforeEach(() => {
    jest.clearAllMocks();
    publisher = new FakePublisher();
    intake = new Hl7IntakeService(
      publisher as unknown as ResultPublisher,
      new GatewayMetrics(),
      clock,
      config,
    );
  });

  it('produces each administration as JSON to the administrations topic, keyed by patient, then answers AA', async () => {
    verdict([administration(1), administration(2)]);
    const result = await intake.take(received(RAS));
    expect(result).toMatchObject({
      ackCode: 'AA',
      controlId: 'RAS-0001',
      destination: 'administrations',
      skipped: 0,
    });
    expect(msa(result.ack)).toBe('MSA|AA|RAS-0001');
    expect(publisher.sent.map((s) => s.topic)).toEqual([TOPICS.medicationAdministrations]);
    const messages = publisher.sent[0]!.messages;
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({
      key: 'HOSP|MRN7001',
      value: JSON.stringify({ ...administration(1), receivedAt: '2026-11-20T08:00:00.000Z' }),
      headers: {
        [HEADERS.contentType]: CONTENT_TYPES.medicationAdministrationJson,
        [HEADERS.receivedAt]: '2026-11-20T08:00:00.000Z',
        [HEADERS.authenticatedSender]: 'PHARMSYS^ACME-HOSP',
      },
    });
  });

  it('answers AE naming how many RXA were refused, produces the rest and dead-letters the message with the reason', async () => {
    verdict(
      [administration(1)],
      [
        {
          position: 2,
          patient: { id: 'MRN7001', authority: 'HOSP' },
          reason: 'RXA 2 (117055^RXNORM): no date given',
        },
      ],
    );
    const result = await intake.take(received(RAS));
    const reason = '1 of 2 RXA not accepted; RXA 2 (117055^RXNORM): no date given';
    expect(result).toMatchObject({ ackCode: 'AE', destination: 'administrations', skipped: 1, reason });
    expect(msa(result.ack)).toBe(`MSA|AE|RAS-0001|${reason.replace('^', '\\S\\')}`);
    expect(result.ack).toContain('\rERR|||207^');
    expect(publisher.sent.map((s) => [s.topic, s.messages.length])).toEqual([
      [TOPICS.medicationAdministrations, 1],
      [TOPICS.labResultsDlq, 1],
    ]);
    const dead = publisher.sent[1]!.messages[0]!;
    expect(dead.value).toEqual(Buffer.from(RAS));
    expect(dead.headers).toMatchObject({
      [HEADERS.contentType]: CONTENT_TYPES.hl7v2,
      [HEADERS.dlqReason]: reason,
      [HEADERS.dlqSource]: 'ingest-gateway/mllp',
      [HEADERS.dlqPeer]: '10.1.2.3',
      [HEADERS.authenticatedSender]: 'PHARMSYS^ACME-HOSP',
    });
  });

  it('dead-letters a pharmacy message the reader refuses whole, with its verdict', async () => {
    parsePharmacyMessage.mockReturnValueOnce({
      ok: false,
      reason: 'no PID segment',
      ackCode: 'AE',
      errorCode: '101',
      controlId: 'RAS-0001',
    });
    const result = await intake.take(received(RAS));
    expect(result).toMatchObject({
      ackCode: 'AE',
      refusal: 'AE',
      destination: 'dlq',
      reason: 'no PID segment',
    });
    expect(publisher.sent.map((s) => s.topic)).toEqual([TOPICS.labResultsDlq]);
  });

  it.each([TOPICS.medicationAdministrations, TOPICS.labResultsDlq])(
    'answers AR (ERR 207, send again) when Kafka does not acknowledge the write to %s',
    async (topic) => {
      publisher.down = topic;
      verdict(
        [administration(1)],
        [{ position: 2, patient: { id: 'MRN7001', authority: 'HOSP' }, reason: 'RXA 2: no date given' }],
      );
      const result = await intake.take(received(RAS));
      expect(result).toMatchObject({ ackCode: 'AR', destination: 'none' });
      expect(msa(result.ack)).toBe('MSA|AR|RAS-0001|temporarily unable to store the message; send it again');
    },
  );

  it('produces without authenticated-sender behind the open listener (no sender authenticated)', async () => {
    verdict([administration(1)]);
    await intake.take(received(RAS, null));
    expect(publisher.sent[0]!.messages[0]!.headers).not.toHaveProperty(HEADERS.authenticatedSender);
  });
});

describe("Hl7IntakeService.read: the zone of a pharmacy message's times", () => {
  const config = { hl7: { defaultTimeZone: 'UTC', maxObservations: 1000 } } as AppConfig;
  const withoutOffsets = RAS.replaceAll(/\|(2026111[67]\d{6})\+0100\|/g, '|$1|');
  const read = (senders?: unknown) =>
    new Hl7IntakeService(
      new FakePublisher() as unknown as ResultPublisher,
      new GatewayMetrics(),
      new ManualClock('2026-11-20T08:00:00Z'),
      config,
      senders as never,
    ).read({
      raw: Buffer.from(withoutOffsets),
      channel: 'mllp',
      receivedAt: new Date('2026-11-20T08:00:00Z'),
    });
  const firstAt = (parse: ReturnType<typeof read>) =>
    isAdministrationParse(parse) ? parse.events[0]!.administration.at : null;

  it("reads a time sent without an offset in the sender's registered zone, not the default", () => {
    expect(withoutOffsets).toContain('|20261116091500|');
    const senders = {
      directory: {
        timeZoneOf: (sender: { application: string; facility: string }) =>
          sender.application === 'PHARMSYS' ? 'Europe/Prague' : undefined,
      },
    };
    expect(firstAt(read(senders))).toBe('2026-11-16T09:15:00+01:00');
    expect(firstAt(read())).toBe('2026-11-16T09:15:00Z');
  });
});
