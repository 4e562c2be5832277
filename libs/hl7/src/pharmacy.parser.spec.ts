import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// Tests check every event against the real contract, the schema in @alem/events.
import { medicationAdministrationEventSchema, type MedicationAdministrationEvent } from '@alem/events';
import { parseOruR01 } from './oru-r01.parser';
import {
  isPharmacyMessage,
  parsePharmacyMessage,
  type PharmacyParse,
  type PharmacyParseOptions,
  type PharmacyParseSuccess,
} from './pharmacy.parser';

const FIXTURES = join(__dirname, '../../../tests/fixtures/hl7');
const RECEIVED = new Date('2024-03-12T09:15:30Z');
const RECEIVED_ISO = '2024-03-12T09:15:30.000Z';

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

function parseOk(
  text: string,
  options: PharmacyParseOptions = { receivedAt: RECEIVED },
): PharmacyParseSuccess {
  const result = parsePharmacyMessage(text, options);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  for (const event of result.events) {
    expect(medicationAdministrationEventSchema.safeParse(event).error?.issues).toBeUndefined();
  }
  return result;
}

function refusedWhole(result: PharmacyParse) {
  if (result.ok) throw new Error('expected a refusal');
  return result;
}

const sender = { application: 'PHARMSYS', facility: 'STMARYS' };
const patient = { id: '4711', authority: 'CITYHOSP' };
const alemtuzumab = { code: '117055', system: 'RXNORM', display: 'alemtuzumab' };

const MSH = (type: string, version = '2.5', sent = '20240308180000-0500') =>
  `MSH|^~\\&|PHARMSYS|STMARYS|ALEMALERT|SAFETY|${sent}||${type}|CTRL-1|P|${version}`;
const PID = 'PID|1||4711^^^CITYHOSP^MR||DOE^JANE||19850214|F';
const PV1 = 'PV1|1|O|INFUSION^CHAIR3^1^STMARYS';
const ORC = 'ORC|RE|PLC-1|FIL-1';

/** An RXA with the given fields (1-based), the others empty. */
function rxa(fields: Record<number, string>): string {
  const out = Array.from({ length: 22 }, (_, i) => fields[i] ?? '');
  out[0] = 'RXA';
  return out.join('|').replace(/\|+$/, '');
}

const given = (over: Record<number, string> = {}) =>
  rxa({
    1: '0',
    2: '1',
    3: '20240304091500-0500',
    5: '117055^alemtuzumab^RXNORM',
    6: '12',
    7: 'mg^milligram^UCUM',
    20: 'CP',
    21: 'A',
    ...over,
  });

const ras = (...segments: string[]) => [MSH('RAS^O17^RAS_O17'), PID, PV1, ...segments].join('\r');

function single(text: string, options?: PharmacyParseOptions): MedicationAdministrationEvent {
  const result = parseOk(text, options);
  expect(result.refused).toEqual([]);
  expect(result.events).toHaveLength(1);
  return result.events[0]!;
}

describe('parsePharmacyMessage: RAS^O17 fixtures (tests/fixtures/hl7)', () => {
  it('course 1 as five ORC/RXA groups: five given administrations, ids from ORC-3, RXA-1, RXA-2', () => {
    const result = parseOk(fixture('ras-o17-v25-course1.hl7'));
    expect(result.messageType).toBe('RAS^O17');
    expect(result.header).toMatchObject({
      sender,
      controlId: 'RAS-0001',
      version: '2.5',
      messageType: 'RAS^O17',
      sentAt: '2024-03-08T18:00:00-05:00',
    });
    expect(result.warnings).toEqual([]);
    expect(result.skipped).toBe(0);
    expect(result.events).toHaveLength(5);
    // PID-3 repeats SSA (SS) and CITYHOSP (MR): the MR identifier, never the name.
    expect(result.events[0]).toEqual({
      schema: 'medication-administration.v1',
      patient,
      sender,
      messageControlId: 'RAS-0001',
      administration: {
        id: 'FIL-5001|0|1',
        status: 'given',
        evidence: 'administered',
        at: '2024-03-04T09:15:00-05:00',
        doseMg: 12,
        // RXA-5 sends RxNorm first and the site's local code as the alternate: the RxNorm triplet is taken.
        medication: alemtuzumab,
      },
      location: 'INFUSION',
      recordedAt: '2024-03-08T18:00:00-05:00',
      receivedAt: RECEIVED_ISO,
    });
    expect(result.events.map((e) => [e.administration.id, e.administration.at])).toEqual([
      ['FIL-5001|0|1', '2024-03-04T09:15:00-05:00'],
      ['FIL-5001|0|2', '2024-03-05T09:15:00-05:00'],
      ['FIL-5001|0|3', '2024-03-06T09:15:00-05:00'],
      ['FIL-5001|0|4', '2024-03-07T09:15:00-05:00'],
      ['FIL-5001|0|5', '2024-03-08T09:15:00-05:00'],
    ]);
  });

  it('two RXA under one ORC, RXA-5 repeated (RxNorm ~ local code), components of PV1-3 and ORC-3 (the gateway fixture)', () => {
    const result = parseOk(fixture('ras-o17-v251-gateway-infusions.hl7'));
    expect(result.header).toMatchObject({ controlId: 'RAS-0001', version: '2.5.1' });
    expect(result.skipped).toBe(0);
    expect(
      result.events.map((e) => [
        e.patient.id,
        e.patient.authority,
        e.administration.id,
        e.administration.at,
        e.administration.medication.code,
        e.administration.medication.system,
        e.location,
      ]),
    ).toEqual([
      ['MRN7001', 'HOSP', 'FIL-3310|0|1', '2026-11-16T09:15:00+01:00', '117055', 'RXNORM', 'NEURO-INF'],
      ['MRN7001', 'HOSP', 'FIL-3310|0|2', '2026-11-17T09:05:00+01:00', '117055', 'RXNORM', 'NEURO-INF'],
    ]);
  });

  it('a correction (RXA-21 D) keeps the id of the administration it withdraws: entered-in-error', () => {
    const event = single(fixture('ras-o17-v25-correction.hl7'));
    expect(event.administration).toMatchObject({
      id: 'FIL-5001|0|3',
      status: 'entered-in-error',
      evidence: 'administered',
      at: '2024-03-06T09:15:00-05:00',
    });
    expect(event.recordedAt).toBe('2024-03-11T10:15:00-05:00');
    expect(event.messageControlId).toBe('RAS-0002');
  });
});

describe('parsePharmacyMessage: RDS^O13 and RDE^O11 fixtures', () => {
  it('a dispense: one event per RXD, evidence dispensed, id <order>|D|<RXD-1>', () => {
    const result = parseOk(fixture('rds-o13-v25-dispense.hl7'));
    expect(result.messageType).toBe('RDS^O13');
    expect(result.events).toEqual([
      {
        schema: 'medication-administration.v1',
        patient,
        sender,
        messageControlId: 'RDS-0001',
        administration: {
          id: 'FIL-5001|D|1',
          status: 'given',
          evidence: 'dispensed',
          at: '2024-03-03T16:00:00-05:00',
          doseMg: 12,
          medication: alemtuzumab,
        },
        location: 'INFUSION',
        recordedAt: '2024-03-03T16:30:00-05:00',
        receivedAt: RECEIVED_ISO,
      },
    ]);
  });

  it('an encoded order over five days (TQ1-7 to TQ1-8): one ordered day each, id <placer>|O|<day>', () => {
    const result = parseOk(fixture('rde-o11-v25-order.hl7'));
    expect(result.messageType).toBe('RDE^O11');
    expect(result.refused).toEqual([]);
    expect(result.events.map((e) => e.administration)).toEqual(
      ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'].map((day) => ({
        id: `PLC-1001|O|${day}`,
        status: 'given',
        evidence: 'ordered',
        day,
        doseMg: 12,
        medication: alemtuzumab,
      })),
    );
    // No PV1-3 point of care: ORC-17.1 entering organisation.
    expect(result.events.every((e) => e.location === 'NEURO')).toBe(true);
  });

  it('a cancelled order (ORC-1 CA) cancels every one of its days', () => {
    const text = fixture('rde-o11-v25-order.hl7').replace('ORC|NW|', 'ORC|CA|');
    const result = parseOk(text);
    expect(result.events).toHaveLength(5);
    expect(result.events.every((e) => e.administration.status === 'cancelled')).toBe(true);
    expect(result.events[0]!.administration.id).toBe('PLC-1001|O|2024-03-04');
  });
});

describe('parsePharmacyMessage: RXA mapping', () => {
  it('a date without a time is a day; a time without an offset is read in the sender zone', () => {
    expect(single(ras(ORC, given({ 3: '20240304' }))).administration).toMatchObject({ day: '2024-03-04' });
    expect(single(ras(ORC, given({ 3: '20240304' }))).administration.at).toBeUndefined();
    const zoned = single(ras(ORC, given({ 3: '202407040915' })), {
      defaultTimeZone: 'UTC',
      timeZoneFor: (party) => (party.facility === 'STMARYS' ? 'Europe/Prague' : undefined),
    });
    expect(zoned.administration.at).toBe('2024-07-04T09:15:00+02:00');
    expect(zoned.recordedAt).toBe('2024-03-08T18:00:00-05:00');
  });

  it.each([
    ['12', 'mg^milligram^UCUM', 12],
    ['0.012', 'g^gram^UCUM', 12],
    ['12000', 'ug^microgram^UCUM', 12],
    ['12000', 'mcg', 12],
    ['12000', '\u00b5g', 12],
    ['12', '^milligram', 12],
    ['0.3', 'MG', 0.3],
  ])('dose %s %s → %s mg', (amount, unit, mg) => {
    expect(single(ras(ORC, given({ 6: amount, 7: unit }))).administration.doseMg).toBe(mg);
  });

  it('a dose in another unit, without a unit or not a number: no dose, and a warning naming the field', () => {
    const cases: Array<[Record<number, string>, string]> = [
      [
        { 6: '1.2', 7: 'mL^milliliter^UCUM' },
        'RXA 1 (117055^RXNORM): RXA-7 unit mL is not a mass (mg, g, ug); no dose',
      ],
      [{ 6: '12', 7: '' }, 'RXA 1 (117055^RXNORM): RXA-7 unit is missing; no dose'],
      [{ 6: 'twelve' }, 'RXA 1 (117055^RXNORM): RXA-6 amount is not a number; no dose'],
      [{ 6: '999' }, 'RXA 1 (117055^RXNORM): RXA-6 999 means the amount is unknown; no dose'],
    ];
    for (const [fields, warning] of cases) {
      const result = parseOk(ras(ORC, given(fields)));
      expect(result.events[0]!.administration.doseMg).toBeUndefined();
      expect(result.warnings).toEqual([warning]);
    }
  });

  it.each([
    ['CP', 'A', 'RE', 'given'],
    ['PA', 'U', 'RE', 'given'],
    ['', '', 'RE', 'given'],
    ['NA', 'A', 'RE', 'cancelled'],
    ['RE', 'A', 'RE', 'cancelled'],
    ['CP', 'A', 'CA', 'cancelled'],
    ['CP', 'A', 'DC', 'cancelled'],
    ['CP', 'A', 'OC', 'cancelled'],
    ['CP', 'D', 'RE', 'entered-in-error'],
    ['CP', 'D', 'CA', 'entered-in-error'],
  ])('RXA-20 %s, RXA-21 %s, ORC-1 %s → %s', (completion, action, control, status) => {
    const event = single(ras(`ORC|${control}|PLC-1|FIL-1`, given({ 20: completion, 21: action })));
    expect(event.administration.status).toBe(status);
  });

  it('a refused (NA) administration may come without a date; a given one may not', () => {
    const cancelled = single(ras(ORC, given({ 3: '', 20: 'NA' })));
    expect(cancelled.administration).toMatchObject({ status: 'cancelled', id: 'FIL-1|0|1' });
    expect(cancelled.administration.day ?? cancelled.administration.at).toBeUndefined();
  });

  it('the order number is the filler (ORC-3), else the placer (ORC-2)', () => {
    expect(single(ras('ORC|RE|PLC-1', given())).administration.id).toBe('PLC-1|0|1');
  });

  it('RxNorm however the system is written; an empty system is local (L), with a note', () => {
    for (const system of ['RxNorm', 'RXN', 'rxnorm']) {
      const event = single(ras(ORC, given({ 5: `117055^alemtuzumab^${system}` })));
      expect(event.administration.medication.system).toBe('RXNORM');
    }
    const alternate = single(ras(ORC, given({ 5: 'LEM12^Lemtrada^99LOCAL^117055^alemtuzumab^RXN' })));
    expect(alternate.administration.medication).toEqual(alemtuzumab);
    const local = parseOk(ras(ORC, given({ 5: 'LEM12^Lemtrada' })));
    expect(local.events[0]!.administration.medication).toEqual({
      code: 'LEM12',
      system: 'L',
      display: 'Lemtrada',
    });
    expect(local.warnings).toEqual(['RXA 1 (LEM12^L): RXA-5 coding system empty; L (local) used']);
  });

  it('location: PV1-3.1, else ORC-17.1, else ORC-21.1, else none; one too long is left out', () => {
    const noVisit = (...segments: string[]) => [MSH('RAS^O17'), PID, ...segments].join('\r');
    const orc17 = `ORC|RE|PLC-1|FIL-1${'|'.repeat(14)}NEURO^Neurology`;
    expect(single(noVisit(orc17, given())).location).toBe('NEURO');
    const orc21 = `ORC|RE|PLC-1|FIL-1${'|'.repeat(18)}Infusion Centre^L`;
    expect(single(noVisit(orc21, given())).location).toBe('Infusion Centre');
    expect(single(noVisit(ORC, given())).location).toBeUndefined();
    const long = parseOk([MSH('RAS^O17'), PID, `PV1|1|O|${'W'.repeat(65)}`, ORC, given()].join('\r'));
    expect(long.events[0]!.location).toBeUndefined();
    expect(long.warnings[0]).toMatch(/location .* is longer than 64 characters; left out/);
  });
});

describe('parsePharmacyMessage: refusals of one segment', () => {
  it('each RXA that cannot be taken is refused on its own, with a reason naming the field and no patient data', () => {
    const result = parseOk(
      ras(
        ORC,
        given({ 2: '1' }),
        given({ 2: '2', 5: '' }),
        given({ 2: '3', 3: '' }),
        given({ 2: '4', 3: '2024' }),
        given({ 2: '5', 20: 'XX' }),
        given({ 2: '6', 21: 'Z' }),
        given({ 2: '1' }),
        'ORC|RE',
        given({ 2: '8' }),
        given({ 2: '9' }),
      ),
    );
    expect(result.events.map((e) => e.administration.id)).toEqual(['FIL-1|0|1']);
    expect(result.refused).toEqual([
      { position: 2, patient, reason: 'RXA 2: RXA-5 medication code is missing' },
      { position: 3, patient, reason: 'RXA 3 (117055^RXNORM): RXA-3 start date/time is missing' },
      {
        position: 4,
        patient,
        reason:
          'RXA 4 (117055^RXNORM): RXA-3 start date/time unreadable: not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])',
      },
      {
        position: 5,
        patient,
        reason: 'RXA 5 (117055^RXNORM): RXA-20 completion status "XX" is not supported',
      },
      { position: 6, patient, reason: 'RXA 6 (117055^RXNORM): RXA-21 action code "Z" is not supported' },
      {
        position: 7,
        patient,
        reason: 'RXA 7 (117055^RXNORM): same administration id as RXA 1; cannot be told apart',
      },
      {
        position: 8,
        patient,
        reason: expect.stringMatching(
          /^RXA 8 \(117055\^RXNORM\): ORC-3 filler and ORC-2 placer order numbers are empty/,
        ),
      },
      {
        position: 9,
        patient,
        reason: expect.stringMatching(/^RXA 9 \(117055\^RXNORM\): ORC-3 filler and ORC-2 placer/),
      },
    ]);
    expect(result.skipped).toBe(8);
    expect(result.warnings).toHaveLength(8);
    for (const text of [...result.warnings, ...result.refused.map((r) => r.reason)]) {
      expect(text).toMatch(/skipped|RXA \d/);
      expect(text).not.toMatch(/4711|DOE|JANE|19850214/);
    }
  });

  it('an administration id longer than the event takes is refused', () => {
    const result = parseOk(ras(`ORC|RE|PLC-1|${'F'.repeat(126)}`, given()));
    expect(result.events).toEqual([]);
    expect(result.refused[0]!.reason).toMatch(/administration id .* longer than 128 characters/);
  });
});

describe('parsePharmacyMessage: RDE^O11 days', () => {
  const rde = (timing: string, control = 'NW') =>
    [
      MSH('RDE^O11^RDE_O11'),
      PID,
      `ORC|${control}|PLC-7`,
      'RXE||117055^alemtuzumab^RXNORM|12||mg',
      timing,
    ].join('\r');

  it('no end: one day; instants are days in the sender zone', () => {
    const one = parseOk(rde('TQ1|1||||||20240304'));
    expect(one.events.map((e) => e.administration.day)).toEqual(['2024-03-04']);
    // 02:00 in Prague is still the evening before in New York.
    const zoned = parseOk(rde('TQ1|1||||||20240305020000+0100|20240306230000-0500'), {
      timeZoneFor: () => 'America/New_York',
    });
    expect(zoned.events.map((e) => e.administration.id)).toEqual([
      'PLC-7|O|2024-03-04',
      'PLC-7|O|2024-03-05',
      'PLC-7|O|2024-03-06',
    ]);
  });

  it('a TQ1 of the order before the RXE is read when none follows it; RXE-1.4/1.5 for a v2.3 order', () => {
    const before = [
      MSH('RDE^O11'),
      PID,
      'ORC|NW|PLC-7',
      'TQ1|1||||||20240304|20240305',
      'RXE||117055^a^RXNORM',
    ];
    expect(parseOk(before.join('\r')).events).toHaveLength(2);
    const v23 = [MSH('RDE^O11', '2.3'), PID, 'ORC|NW|PLC-7', 'RXE|^^^20240304^20240306|117055^a^RXNORM'];
    expect(parseOk(v23.join('\r')).events).toHaveLength(3);
  });

  it('31 days are taken; 32, an end before the start or no start refuse that RXE with a reason', () => {
    expect(parseOk(rde('TQ1|1||||||20240301|20240331')).events).toHaveLength(31);
    const cases: Array<[string, RegExp]> = [
      ['TQ1|1||||||20240301|20240401', /^RXE 1 \(117055\^RXNORM\): TQ1-7 to TQ1-8 spans 32 days; at most 31/],
      ['TQ1|1||||||20240305|20240304', /^RXE 1 \(117055\^RXNORM\): TQ1-8 end is before TQ1-7 start$/],
      ['TQ1|1', /^RXE 1 \(117055\^RXNORM\): TQ1-7 start date\/time is missing/],
      ['TQ1|1||||||2024030', /^RXE 1 \(117055\^RXNORM\): TQ1-7 start date\/time unreadable/],
    ];
    for (const [timing, reason] of cases) {
      const result = parseOk(rde(timing));
      expect(result.events).toEqual([]);
      expect(result.refused).toEqual([{ position: 1, patient, reason: expect.stringMatching(reason) }]);
    }
  });

  it('more ordered days than maxAdministrations refuse the message (AR)', () => {
    const result = refusedWhole(
      parsePharmacyMessage(rde('TQ1|1||||||20240301|20240310'), { maxAdministrations: 9 }),
    );
    expect(result).toMatchObject({ ackCode: 'AR', errorCode: '207', controlId: 'CTRL-1' });
  });
});

describe('parsePharmacyMessage: whole-message refusals', () => {
  it('types it does not take are AR 200, and ORU^R01 is not taken here (nor RAS by the ORU parser)', () => {
    expect(refusedWhole(parsePharmacyMessage(fixture('adt-a01.hl7')))).toMatchObject({
      ackCode: 'AR',
      errorCode: '200',
    });
    expect(refusedWhole(parsePharmacyMessage(fixture('oru-r01-v251-cbc-chemistry.hl7')))).toMatchObject({
      ackCode: 'AR',
      errorCode: '200',
      reason: 'unsupported message type ORU^R01',
    });
    expect(parseOruR01(fixture('ras-o17-v25-course1.hl7'))).toMatchObject({
      ok: false,
      ackCode: 'AR',
      errorCode: '200',
    });
  });

  it('the MSH rules of the ORU parser', () => {
    const cases: Array<[string, object]> = [
      [ras(ORC, given()).replace('|2.5', '|2.6'), { ackCode: 'AR', errorCode: '203' }],
      [
        ras(ORC, given()).replace('CTRL-1', ''),
        { ackCode: 'AE', errorCode: '101', reason: 'MSH-10 message control id is missing' },
      ],
      [ras(ORC, given()).replace('|STMARYS|', '||'), { ackCode: 'AE', errorCode: '101' }],
      ['not hl7', { ackCode: 'AE', errorCode: '102' }],
    ];
    for (const [text, expected] of cases)
      expect(refusedWhole(parsePharmacyMessage(text))).toMatchObject(expected);
  });

  it('more RXA than maxAdministrations: AR 207', () => {
    const result = refusedWhole(
      parsePharmacyMessage(ras(ORC, given(), given({ 2: '2' })), { maxAdministrations: 1 }),
    );
    expect(result).toMatchObject({ ackCode: 'AR', errorCode: '207', controlId: 'CTRL-1', sender });
  });

  it('a patient without an assigning authority, no PID, an RXA outside an order, no RXA: AE', () => {
    const cases: Array<[string, object]> = [
      [
        [MSH('RAS^O17'), 'PID|1||4711^^^^MR', ORC, given()].join('\r'),
        { errorCode: '101', reason: 'PID-3 has no identifier with an assigning authority (PID-3.4)' },
      ],
      [
        [MSH('RAS^O17'), ORC, given()].join('\r'),
        { errorCode: '100', reason: 'ORC segment before any PID segment' },
      ],
      [
        [MSH('RAS^O17'), PID, given()].join('\r'),
        { errorCode: '100', reason: 'RXA 1 is not inside an order (no ORC before it)' },
      ],
      [ras(ORC), { errorCode: '101', reason: 'no RXA segment: the message carries no administration' }],
    ];
    for (const [text, expected] of cases) {
      const result = refusedWhole(parsePharmacyMessage(text));
      expect(result).toMatchObject({ ackCode: 'AE', ...expected });
      expect(result.reason).not.toMatch(/4711|DOE/);
    }
  });
});

describe('pharmacy fixtures', () => {
  it('every pharmacy fixture in tests/fixtures/hl7 is read by a test above', () => {
    expect(
      readdirSync(FIXTURES)
        .filter((name) => /^r(as|ds|de)-/.test(name))
        .sort(),
    ).toEqual([
      'ras-o17-v25-correction.hl7',
      'ras-o17-v25-course1.hl7',
      'ras-o17-v251-gateway-infusions.hl7',
      'rde-o11-v25-order.hl7',
      'rds-o13-v25-dispense.hl7',
    ]);
  });
});

describe('isPharmacyMessage', () => {
  it('reads MSH-9 only', () => {
    expect(isPharmacyMessage(fixture('ras-o17-v25-course1.hl7'))).toBe(true);
    expect(isPharmacyMessage(fixture('rds-o13-v25-dispense.hl7'))).toBe(true);
    expect(isPharmacyMessage(fixture('rde-o11-v25-order.hl7'))).toBe(true);
    expect(isPharmacyMessage(fixture('oru-r01-v251-cbc-chemistry.hl7'))).toBe(false);
    expect(isPharmacyMessage('')).toBe(false);
  });
});
