import { type Hl7Party, type Hl7ParseSuccess, type OruParseOptions } from './hl7-parse.types';
import { parseOruR01 } from './oru-r01.parser';

// Every time of this message is local (no offset): MSH-7, OBR-7, and OBX-14 of the second OBX.
const message = (sender = 'LABSYS|CITYLAB') =>
  [
    `MSH|^~\\&|${sender}|ALEMALERT|SAFETY|20240701120000||ORU^R01^ORU_R01|TZ-1|P|2.5.1`,
    'PID|1||4711^^^CITYHOSP^MR',
    'OBR|1|PL-1|FL-1|58410-2^CBC^LN|||202407010745',
    'OBX|1|NM|777-3^Platelets^LN||142|10*9/L|150-400||||F',
    'OBX|2|NM|6690-2^WBC^LN||5.4|10*9/L|4-10||||F|||202407010830',
    'OBX|3|NM|718-7^Hb^LN||13.1|g/dL|12-16||||F|||20240701',
    'OBX|4|NM|731-0^Lymphocytes^LN||1.2|10*9/L|1-4.8||||F|||202407010900+0000',
  ].join('\r');

function parseOk(text: string, options: OruParseOptions): Hl7ParseSuccess {
  const result = parseOruR01(text, options);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result;
}

const times = (result: Hl7ParseSuccess) => ({
  sentAt: result.header.sentAt,
  observedAt: result.events.map((e) => e.observedAt),
});

const registry =
  (zones: Record<string, string>) =>
  (sender: Hl7Party): string | undefined =>
    zones[`${sender.application}^${sender.facility}`];

describe('parseOruR01: the sender’s own time zone', () => {
  it('reads every local time of a registered sender in its zone, MSH-7 included; offsets stay as sent', () => {
    const result = parseOk(message(), {
      defaultTimeZone: 'Europe/Prague',
      timeZoneFor: registry({ 'LABSYS^CITYLAB': 'Europe/London' }),
    });
    expect(times(result)).toEqual({
      sentAt: '2024-07-01T12:00:00+01:00',
      observedAt: [
        '2024-07-01T07:45:00+01:00',
        '2024-07-01T08:30:00+01:00',
        '2024-07-01T00:00:00+01:00',
        '2024-07-01T09:00:00Z',
      ],
    });
    expect(result.warnings).toEqual([
      'OBX 3 (718-7^LN): OBX-14 has a date but no time; midnight in Europe/London used',
    ]);
  });

  it('uses the default zone for a sender that is not registered, and UTC without a default', () => {
    const timeZoneFor = registry({ 'OTHER^LAB': 'Europe/London' });
    expect(times(parseOk(message(), { defaultTimeZone: 'Europe/Prague', timeZoneFor }))).toEqual({
      sentAt: '2024-07-01T12:00:00+02:00',
      observedAt: [
        '2024-07-01T07:45:00+02:00',
        '2024-07-01T08:30:00+02:00',
        '2024-07-01T00:00:00+02:00',
        '2024-07-01T09:00:00Z',
      ],
    });
    expect(times(parseOk(message(), { timeZoneFor }))).toEqual({
      sentAt: '2024-07-01T12:00:00Z',
      observedAt: [
        '2024-07-01T07:45:00Z',
        '2024-07-01T08:30:00Z',
        '2024-07-01T00:00:00Z',
        '2024-07-01T09:00:00Z',
      ],
    });
  });

  it('asks for the zone once per message, with MSH-3 and MSH-4 as whole hierarchic designators', () => {
    const asked: Hl7Party[] = [];
    parseOk(message('LIS^X^L|CENTRAL-LAB^Y'), {
      timeZoneFor: (sender) => {
        asked.push(sender);
        return 'Europe/London';
      },
    });
    expect(asked).toEqual([{ application: 'LIS&X&L', facility: 'CENTRAL-LAB&Y&' }]);
  });

  it('takes the same message in winter one hour off summer (the sender’s DST, not the default’s)', () => {
    const winter = message().replaceAll('202407', '202401');
    const result = parseOk(winter, {
      defaultTimeZone: 'Europe/Prague',
      timeZoneFor: registry({ 'LABSYS^CITYLAB': 'Europe/London' }),
    });
    expect(times(result).observedAt.slice(0, 2)).toEqual([
      '2024-01-01T07:45:00+00:00',
      '2024-01-01T08:30:00+00:00',
    ]);
  });

  it('refuses the message, echoing MSH, when the registered zone is not a known zone', () => {
    const result = parseOruR01(message(), {
      defaultTimeZone: 'Europe/Prague',
      timeZoneFor: registry({ 'LABSYS^CITYLAB': 'Europe/Atlantis' }),
    });
    expect(result).toMatchObject({
      ok: false,
      reason: 'unknown time zone Europe/Atlantis registered for sender LABSYS^CITYLAB',
      ackCode: 'AE',
      errorCode: '207',
      controlId: 'TZ-1',
      sender: { application: 'LABSYS', facility: 'CITYLAB' },
    });
  });

  it('refuses a message it does not take for that reason first, whatever the sender’s zone', () => {
    const adt = message().replace('ORU^R01^ORU_R01', 'ADT^A01');
    const result = parseOruR01(adt, { timeZoneFor: () => 'Europe/Atlantis' });
    expect(result).toMatchObject({ ok: false, reason: 'unsupported message type ADT^A01', ackCode: 'AR' });
  });

  it('never throws when the lookup does', () => {
    const result = parseOruR01(message(), {
      timeZoneFor: () => {
        throw new Error('registry down');
      },
    });
    expect(result).toEqual({
      ok: false,
      reason: 'internal error while parsing the message',
      ackCode: 'AE',
      errorCode: '207',
    });
  });
});
