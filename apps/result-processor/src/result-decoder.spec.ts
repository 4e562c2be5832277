import { CONTENT_TYPES, HEADERS, type InboundMessage } from '@alem/messaging';
import { decodeMessage } from './result-decoder';
import { idempotencyKey } from './result-record';

function message(value: string | null, contentType?: string): InboundMessage {
  return {
    topic: 'lab.results.v1',
    partition: 0,
    offset: '7',
    key: null,
    value: value === null ? null : Buffer.from(value),
    headers: contentType ? { 'content-type': contentType } : {},
    timestamp: 0,
  };
}

const valid = {
  schema: 'lab-result.v1',
  patient: { id: 'MRN1', authority: 'HOSP' },
  sender: { application: 'LIS', facility: 'LAB' },
  messageControlId: 'MSG-1',
  observation: { code: '777-3', system: 'LN' },
  valueType: 'NM',
  value: 42,
  status: 'final',
  observedAt: '2026-11-20T08:15:00+01:00',
};

const enrolled = { isEnrolled: () => true };

describe('decodeMessage', () => {
  it('takes a valid JSON event, with or without a content-type', () => {
    expect(
      decodeMessage(message(JSON.stringify(valid), CONTENT_TYPES.labResultJson), enrolled),
    ).toMatchObject({
      ok: true,
      events: [{ messageControlId: 'MSG-1' }],
      notEnrolled: 0,
    });
    expect(decodeMessage(message(JSON.stringify(valid)), enrolled)).toMatchObject({ ok: true });
  });

  it('counts an event of a patient who is not enrolled without validating it further', () => {
    const check = jest.fn(() => false);
    const notEnrolled = { isEnrolled: check };
    expect(decodeMessage(message(JSON.stringify({ ...valid, value: 'not validated' })), notEnrolled)).toEqual(
      {
        ok: true,
        events: [],
        notEnrolled: 1,
        contentType: CONTENT_TYPES.labResultJson,
        sender: 'LIS^LAB',
      },
    );
    expect(check).toHaveBeenCalledWith({ id: 'MRN1', authority: 'HOSP' });
  });

  it('validates an event whose patient cannot be read, and dead-letters it', () => {
    const decoded = decodeMessage(
      message(JSON.stringify({ ...valid, patient: { id: 7, authority: 'HOSP' } })),
      { isEnrolled: () => false },
    );
    expect(decoded).toMatchObject({
      ok: false,
      reason: 'invalid lab-result.v1 event: patient.id: Invalid input: expected string, received number',
    });
  });

  it.each([
    [null, undefined, 'empty message'],
    ['{"schema":', undefined, /^invalid JSON: /],
    [
      JSON.stringify({ ...valid, schema: 'lab-result.v2' }),
      undefined,
      'invalid lab-result.v1 event: schema: Invalid input: expected "lab-result.v1"',
    ],
    [
      JSON.stringify({ ...valid, patient: { id: 'MRN1' } }),
      undefined,
      'invalid lab-result.v1 event: patient.authority: Invalid input: expected string, received undefined',
    ],
    [
      JSON.stringify({ ...valid, value: 'high' }),
      undefined,
      'invalid lab-result.v1 event: value: NM value must be a number',
    ],
    [
      JSON.stringify({ ...valid, observedAt: '2026-11-20 08:15' }),
      undefined,
      /^invalid lab-result.v1 event: observedAt: /,
    ],
    [
      JSON.stringify({ ...valid, extra: 1 }),
      undefined,
      /^invalid lab-result.v1 event: \(event\): Unrecognized key/,
    ],
    ['x', 'text/csv', 'unsupported content-type text/csv'],
  ])('dead-letters %s with a reason', (value, contentType, reason) => {
    const decoded = decodeMessage(message(value, contentType), enrolled);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      if (typeof reason === 'string') expect(decoded.reason).toBe(reason);
      else expect(decoded.reason).toMatch(reason);
    }
  });

  describe('identity is the authenticated sender, never the header alone (issue 14)', () => {
    const hl7 = (application: string) =>
      [
        `MSH|^~\\&|${application}|CITYLAB|||20261120||ORU^R01|M-9|P|2.5.1`,
        'PID|1||MRN1^^^HOSP^MR',
        'OBR|1||F-1|58410-2^CBC^LN|||202611200815+0100',
        'OBX|1|NM|777-3^Platelets^LN||42|10*9/L|||||F',
      ].join('\r');
    const authenticated = (value: string, sender: string) => ({
      ...message(value, CONTENT_TYPES.hl7v2),
      headers: { [HEADERS.contentType]: CONTENT_TYPES.hl7v2, [HEADERS.authenticatedSender]: sender },
    });
    const decode = (m: InboundMessage) => {
      const decoded = decodeMessage(m, enrolled);
      if (!decoded.ok) throw new Error(decoded.reason);
      return decoded;
    };

    it('files a message under the sender the gateway authenticated', () => {
      const decoded = decode(authenticated(hl7('LABSYS'), 'LABSYS^CITYLAB'));
      expect(decoded.sender).toBe('LABSYS^CITYLAB');
      expect(decoded.source?.sender).toBe('LABSYS^CITYLAB');
      expect(decoded.events[0]!.sender).toEqual({ application: 'LABSYS', facility: 'CITYLAB' });
    });

    it('one event sent under two forms of its sender’s name is one result: one idempotency key', () => {
      const json = (application: string, sender?: string) => ({
        ...message(JSON.stringify({ ...valid, sender: { application, facility: 'CITYLAB' } })),
        headers: {
          [HEADERS.contentType]: CONTENT_TYPES.labResultJson,
          ...(sender ? { [HEADERS.authenticatedSender]: sender } : {}),
        },
      });
      const key = (m: InboundMessage) => idempotencyKey('p1', decode(m).events[0]!);
      expect(key(json('LABSYS&1.2.3&ISO', 'LABSYS^CITYLAB'))).toBe(key(json('LABSYS', 'LABSYS^CITYLAB')));
      // Read from the event alone, the two would have been two results.
      expect(key(json('LABSYS&1.2.3&ISO'))).not.toBe(key(json('LABSYS')));
    });

    it('files JSON events under the authenticated sender, and dead-letters an unreadable header', () => {
      const json = {
        ...message(JSON.stringify(valid), CONTENT_TYPES.labResultJson),
        headers: {
          [HEADERS.contentType]: CONTENT_TYPES.labResultJson,
          [HEADERS.authenticatedSender]: 'LIS^LAB',
        },
      };
      expect(decode(json)).toMatchObject({ sender: 'LIS^LAB', events: [{ sender: { application: 'LIS' } }] });
      const broken = { ...json, headers: { ...json.headers, [HEADERS.authenticatedSender]: 'A^B^C' } };
      expect(decodeMessage(broken, enrolled)).toMatchObject({
        ok: false,
        reason: 'invalid authenticated-sender header',
      });
    });
  });

  describe('HL7: every refused result of an enrolled patient is dead-lettered (issue 12 item 3)', () => {
    const hl7 = (...obx: string[]) =>
      [
        'MSH|^~\\&|LIS|LAB|||20261120||ORU^R01|M-3|P|2.5.1',
        'PID|1||MRN1^^^HOSP^MR',
        'OBR|1||F-1|58410-2^CBC^LN|||202611200815+0100',
        ...obx,
      ].join('\r');
    const platelets = (value: string, setId = '1') =>
      `OBX|${setId}|NM|777-3^Platelets^LN||${value}|10*9/L|||||F`;

    it('when every event of an enrolled patient fails the contract, the message is dead-lettered, not dropped', () => {
      // A Kafka timestamp beyond year 9999 makes receivedAt unwritable as the contract's date-time.
      const decoded = decodeMessage(
        { ...message(hl7(platelets('12')), CONTENT_TYPES.hl7v2), timestamp: 253402300800000 },
        enrolled,
      );
      expect(decoded).toMatchObject({ ok: true, events: [] });
      expect(decoded.ok && decoded.partial).toMatch(
        /^1 OBX of HL7 message M-3 not taken: OBX \(777-3\^LN\): invalid lab-result.v1 event: receivedAt: /,
      );
    });

    it('a refused OBX of an enrolled patient is dead-lettered beside the results that were taken', () => {
      const decoded = decodeMessage(
        message(hl7(platelets('9'.repeat(400)), platelets('12', '2')), CONTENT_TYPES.hl7v2),
        enrolled,
      );
      expect(decoded).toMatchObject({ ok: true, events: [{ value: 12 }] });
      expect(decoded.ok && decoded.partial).toBe(
        '1 OBX of HL7 message M-3 not taken: OBX 1 (777-3^LN): NM value is beyond the range of a number',
      );
    });

    it('refusals about patients who are not enrolled are not kept', () => {
      const decoded = decodeMessage(message(hl7(platelets('x')), CONTENT_TYPES.hl7v2), {
        isEnrolled: () => false,
      });
      expect(decoded).toMatchObject({ ok: true, events: [], notEnrolled: 0 });
      expect(decoded.ok && decoded.partial).toBeUndefined();
    });
  });
});
