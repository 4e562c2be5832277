import { labResultEventSchema } from '@alem/events';
import { type Hl7ParseSuccess } from './hl7-parse.types';
import { parseOruR01 } from './oru-r01.parser';

const MSH = 'MSH|^~\\&|LABSYS|CITYLAB|ALEMALERT|SAFETY|20240312091500+0100||ORU^R01^ORU_R01|T-1|P|2.5.1';
const PID = 'PID|1||4711^^^CITYHOSP^MR';
const OBR = 'OBR|1|PL-1|FL-1|58410-2^CBC^LN|||20240312074500+0100';

function message(...segments: string[]): string {
  return [MSH, ...segments].join('\r');
}

/** An OBX with platelets defaults; `fields` overrides OBX-n by number. */
function obx(fields: Record<number, string> = {}): string {
  const all: Record<number, string> = {
    1: '1',
    2: 'NM',
    3: '777-3^Platelets^LN',
    5: '142',
    6: '10*9/L',
    11: 'F',
    ...fields,
  };
  const last = Math.max(11, ...Object.keys(all).map(Number));
  const out = ['OBX'];
  for (let i = 1; i <= last; i++) out.push(all[i] ?? '');
  return out.join('|');
}

function parsed(...segments: string[]): Hl7ParseSuccess {
  const result = parseOruR01(message(...segments));
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  for (const event of result.events)
    expect(labResultEventSchema.safeParse(event).error?.issues).toBeUndefined();
  return result;
}

/** The one event (or the warnings, when the OBX was skipped) of a PID + OBR + OBX message. */
function single(fields: Record<number, string>) {
  const result = parsed(PID, OBR, obx(fields));
  return { event: result.events[0], warnings: result.warnings, count: result.events.length };
}

const platelets = {
  schema: 'lab-result.v1',
  patient: { id: '4711', authority: 'CITYHOSP' },
  sender: { application: 'LABSYS', facility: 'CITYLAB' },
  messageControlId: 'T-1',
  observation: { code: '777-3', system: 'LN', display: 'Platelets', orderId: 'FL-1' },
  valueType: 'NM',
  value: 142,
  unit: '10*9/L',
  status: 'final',
  observedAt: '2024-03-12T07:45:00+01:00',
} as const;

describe('parseOruR01: OBX fields', () => {
  it('maps a minimal OBX to a whole event (no receivedAt option: no receivedAt)', () => {
    expect(parsed(PID, OBR, obx())).toEqual({
      ok: true,
      header: expect.objectContaining({ controlId: 'T-1' }),
      events: [platelets],
      warnings: [],
      skipped: 0,
      refused: [],
    });
  });

  it.each([
    ['F', 'final'],
    ['C', 'corrected'],
    ['P', 'preliminary'],
    ['X', 'not-obtainable'],
    ['D', 'deleted'],
    // Issue 12 item 5: W (the result was wrong) withdraws it, as D does.
    ['W', 'deleted'],
    ['R', 'preliminary'],
    ['S', 'preliminary'],
    ['I', 'preliminary'],
    ['f', 'final'],
  ])('OBX-11 %s → status %s', (code, status) => {
    expect(single({ 11: code }).event).toEqual({ ...platelets, status });
  });

  it.each(['U', 'N', 'Z', ''])('OBX-11 %j is refused for that OBX only', (code) => {
    const result = parsed(PID, OBR, obx({ 11: code }), obx({ 1: '2', 3: '751-8^Neutrophils^LN', 5: '2.0' }));
    expect(result.events.map((e) => e.observation.code)).toEqual(['751-8']);
    expect(result.skipped).toBe(1);
    const reason = `OBX 1 (777-3^LN): OBX-11 result status "${code}" is not supported`;
    expect(result.warnings).toEqual([reason.replace(': OBX-11', ': skipped, OBX-11')]);
    expect(result.refused).toEqual([{ position: 1, patient: platelets.patient, reason }]);
  });

  it('a W result retracts: it reaches the record whatever its value says (issue 12 item 5)', () => {
    expect(single({ 5: 'wrong patient', 11: 'W' }).event).toEqual({
      ...platelets,
      value: null,
      status: 'deleted',
    });
  });

  it('an OBX without OBX-11 in the middle is refused alone; the critical count after it is kept (item 7)', () => {
    const short = 'OBX|1|NM|718-7^Haemoglobin^LN||13.1|g/dL';
    const result = parsed(PID, OBR, short, obx({ 1: '2', 5: '8' }));
    expect(result.events).toEqual([{ ...platelets, value: 8 }]);
    expect(result.refused).toEqual([
      {
        position: 1,
        patient: platelets.patient,
        reason: 'OBX 1 (718-7^LN): OBX-11 result status "" is not supported',
      },
    ]);
  });

  it.each([
    ['142', 142],
    ['+0.5', 0.5],
    ['-2', -2],
    ['.5', 0.5],
    ['7.', 7],
    [' 12 ', 12],
  ])('NM %j → %p', (text, value) => {
    expect(single({ 5: text }).event).toEqual({ ...platelets, value });
  });

  it.each([
    ['<7', 7, '<'],
    ['>=1000', 1000, '>='],
    ['< 25', 25, '<'],
    ['<=0.5', 0.5, '<='],
  ])('NM %j is read as SN would be (issue 12 item 2)', (text, value, comparator) => {
    const { event, warnings } = single({ 5: text });
    expect(event).toEqual({ ...platelets, valueType: 'SN', value, comparator });
    expect(warnings).toEqual([
      `OBX 1 (777-3^LN): NM value ${text.replace(' ', '')} read as SN (a number with a comparator)`,
    ]);
  });

  it.each([
    ['NM', '9'.repeat(400)],
    ['NM', `-${'9'.repeat(310)}.5`],
    ['NM', `<${'9'.repeat(400)}`],
    ['SN', `<^${'9'.repeat(400)}`],
    ['SN', `^1^:^${'9'.repeat(400)}`],
  ])(
    '%s beyond the range of a number is refused for that OBX, never Infinity (issue 12 item 4)',
    (type, text) => {
      const result = parsed(PID, OBR, obx({ 2: type, 5: text }), obx({ 1: '2', 5: '12' }));
      expect(result.events).toEqual([{ ...platelets, value: 12 }]);
      expect(result.refused).toHaveLength(1);
      expect(result.refused[0]!.reason).toMatch(/is beyond the range of a number$/);
    },
  );

  it.each(['1,234', '1.5E3', 'see note', '>', '12 mg', '0x1F', 'NaN', '5~6', '5^6', '<>5'])(
    'NM %j is not a number: that OBX is skipped with a warning',
    (text) => {
      const { count, warnings } = single({ 5: text });
      expect(count).toBe(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^OBX 1 \(777-3\^LN\): skipped, NM value (is not a number|repeats)/);
    },
  );

  it.each([
    ['<^50', { valueType: 'SN', value: 50, comparator: '<' }],
    ['>^1000', { valueType: 'SN', value: 1000, comparator: '>' }],
    ['<=^0.5', { valueType: 'SN', value: 0.5, comparator: '<=' }],
    ['>=^7', { valueType: 'SN', value: 7, comparator: '>=' }],
    ['=^5', { valueType: 'SN', value: 5 }],
    ['^5', { valueType: 'SN', value: 5 }],
    ['^10^-^20', { valueType: 'ST', value: '10-20' }],
    ['^1^:^128', { valueType: 'ST', value: '1:128' }],
    ['^1^/^2', { valueType: 'ST', value: '1/2' }],
    ['^2^+', { valueType: 'ST', value: '2+' }],
  ])('SN %s', (sn, expected) => {
    expect(single({ 2: 'SN', 5: sn }).event).toEqual({ ...platelets, ...expected });
  });

  it.each([
    ['<>^5', 'SN comparator <> cannot be represented'],
    ['<^10^-^20', 'SN value has both a comparator and a separator'],
    ['^abc', 'SN value has no number in SN.2'],
    ['<', 'SN value has no number in SN.2'],
    ['^10^-', 'SN value has a separator but no number in SN.4'],
    ['^10^.^5', 'SN separator . is not supported'],
  ])('SN %s is refused: %s', (sn, reason) => {
    expect(single({ 2: 'SN', 5: sn }).warnings).toEqual([`OBX 1 (777-3^LN): skipped, ${reason}`]);
  });

  it.each([
    ['CE', '1+^1+^L', '1+'],
    ['CWE', 'NEG^Negative^L', 'Negative'],
    ['CWE', '260385009^Negative^SCT', 'Negative'],
    ['CE', 'TRACE', 'TRACE'],
    ['CE', '^^^POS^Positive^L', 'Positive'],
    ['CE', '^^^POS', 'POS'],
  ])('%s %s → %j (text, else code)', (type, value, expected) => {
    expect(single({ 2: type, 3: '5794-3^Blood^LN', 5: value, 6: '' }).event).toEqual({
      ...platelets,
      observation: { code: '5794-3', system: 'LN', display: 'Blood', orderId: 'FL-1' },
      valueType: type,
      value: expected,
      unit: undefined,
    });
  });

  it('ST keeps unescaped delimiters as sent; TX repetitions are lines', () => {
    expect(single({ 2: 'ST', 5: 'a^b&c' }).event.value).toBe('a^b&c');
    expect(single({ 2: 'TX', 5: 'line 1~line 2~~line 4' }).event.value).toBe('line 1\nline 2\n\nline 4');
  });

  it.each(['FT', 'ED', 'DT', 'TS', 'CNE', 'XYZ'])('value type %s is refused', (type) => {
    expect(single({ 2: type, 5: 'x' }).warnings).toEqual([
      `OBX 1 (777-3^LN): skipped, value type ${type} is not supported`,
    ]);
  });

  it('an empty value is null only for not-obtainable and deleted results', () => {
    expect(single({ 5: '', 11: 'X' }).event).toEqual({ ...platelets, value: null, status: 'not-obtainable' });
    expect(single({ 5: '""', 11: 'D' }).event).toEqual({ ...platelets, value: null, status: 'deleted' });
    expect(single({ 2: '', 5: '', 11: 'X' }).event).toEqual({
      ...platelets,
      valueType: 'ST',
      value: null,
      status: 'not-obtainable',
    });
    expect(single({ 5: '', 11: 'F' }).warnings).toEqual(['OBX 1 (777-3^LN): skipped, OBX-5 has no value']);
    expect(single({ 2: '', 5: '5' }).warnings).toEqual([
      'OBX 1 (777-3^LN): skipped, OBX-2 value type is missing',
    ]);
  });

  it('a deleted or not-obtainable result with an unreadable value is kept with a null value and a note', () => {
    expect(single({ 5: 'see note', 11: 'D' })).toEqual({
      event: { ...platelets, value: null, status: 'deleted' },
      warnings: ['OBX 1 (777-3^LN): NM value is not a number; value left null for a deleted result'],
      count: 1,
    });
    expect(single({ 2: 'FT', 5: 'Haemolysed', 11: 'X' })).toEqual({
      event: { ...platelets, valueType: 'ST', value: null, status: 'not-obtainable' },
      warnings: [
        'OBX 1 (777-3^LN): value type FT is not supported; value left null for a not-obtainable result',
      ],
      count: 1,
    });
    expect(single({ 5: 'see note', 11: 'C' }).count).toBe(0);
  });

  it('OBX-3: LOINC primary wins; a LOINC alternate replaces a local or system-less primary', () => {
    const code = (field3: string) => single({ 3: field3 }).event?.observation;
    expect(code('777-3^Platelets^LN^PLT^Plt^99LAB')).toEqual({
      code: '777-3',
      system: 'LN',
      display: 'Platelets',
      orderId: 'FL-1',
    });
    expect(code('PLT^Plt^99LAB^777-3^Platelets^LN')).toEqual({
      code: '777-3',
      system: 'LN',
      display: 'Platelets',
      orderId: 'FL-1',
    });
    expect(code('PLT^Plt^^777-3^^LN')).toEqual({
      code: '777-3',
      system: 'LN',
      display: 'Plt',
      orderId: 'FL-1',
    });
    expect(code('PLT^^99LAB')).toEqual({ code: 'PLT', system: '99LAB', orderId: 'FL-1' });
    expect(single({ 3: '^Platelets^LN' }).warnings).toEqual([
      'OBX 1: skipped, OBX-3 observation code is missing',
    ]);
  });

  it('OBX-3 display is cut to 200 characters; a code longer than 64 refuses the OBX', () => {
    expect(single({ 3: `777-3^${'x'.repeat(250)}^LN` }).event?.observation.display).toBe('x'.repeat(200));
    expect(single({ 3: `${'9'.repeat(65)}^X^LN` }).warnings).toEqual([
      'OBX 1: skipped, OBX-3 code or coding system is longer than 64 characters',
    ]);
  });

  it('OBX-6: identifier, else text; an unescaped 10^9/L is read back; a repeated unit refuses the OBX', () => {
    expect(single({ 6: 'mg/dL^milligram per deciliter^UCUM' }).event?.unit).toBe('mg/dL');
    expect(single({ 6: '^mg/dL' }).event?.unit).toBe('mg/dL');
    expect(single({ 6: 'x10^3/uL' }).event?.unit).toBe('x10^3/uL');
    expect(single({ 6: '10^9/L' }).warnings).toEqual([
      'OBX 1 (777-3^LN): OBX-6 read as 10^9/L (unescaped ^ in the unit)',
    ]);
    expect(single({ 6: '10^x' }).event?.unit).toBe('10');
    expect(single({ 6: '10*9/L~x' }).warnings).toEqual([
      'OBX 1 (777-3^LN): skipped, OBX-6 unit repeats (unescaped delimiter?)',
    ]);
    expect(single({ 6: 'u'.repeat(65) }).warnings).toEqual([
      'OBX 1 (777-3^LN): skipped, OBX-6 unit is longer than 64 characters',
    ]);
  });

  it('OBX-7 is kept as sent; one longer than 64 characters is left out with a warning', () => {
    expect(single({ 7: '150 - 400' }).event?.referenceRange).toBe('150 - 400');
    expect(single({ 7: 'M 13-17~F 12-16' }).event?.referenceRange).toBe('M 13-17~F 12-16');
    const long = single({ 7: 'r'.repeat(65) });
    expect(long.event).toEqual(platelets);
    expect(long.warnings).toEqual([
      'OBX 1 (777-3^LN): OBX-7 reference range is longer than 64 characters; left out',
    ]);
  });

  it('OBX-8 flags repeat; empty ones are dropped, over-long or excess ones left out with a warning', () => {
    expect(single({ 8: 'H~~A' }).event?.flags).toEqual(['H', 'A']);
    const many = single({ 8: 'A~B~C~D~E~F~G~H~I~TOOLONGFLAG' });
    expect(many.event?.flags).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
    expect(many.warnings).toHaveLength(2);
  });

  it('OBX-4 sub-id is kept; longer than 32 characters refuses the OBX', () => {
    expect(single({ 4: '2.1' }).event?.observation.subId).toBe('2.1');
    expect(single({ 4: 's'.repeat(33) }).warnings).toEqual([
      'OBX 1 (777-3^LN): skipped, OBX-4 sub-id is longer than 32 characters',
    ]);
  });

  it('OBX-14 wins over OBR-7; an unreadable OBX-14 is not replaced by OBR-7; no time at all refuses the OBX', () => {
    expect(single({ 14: '20240312081000+0100' }).event?.observedAt).toBe('2024-03-12T08:10:00+01:00');
    expect(single({ 14: '2024031208' }).event?.observedAt).toBe('2024-03-12T08:00:00Z');
    expect(single({ 14: '202403' }).warnings).toEqual([
      'OBX 1 (777-3^LN): skipped, OBX-14 observation time unreadable: not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])',
    ]);
    const noTime = parsed(PID, 'OBR|1|PL-1|FL-1|58410-2^CBC^LN', obx());
    expect(noTime.warnings).toEqual([
      'OBX 1 (777-3^LN): skipped, no observation time (OBX-14 and OBR-7 are empty)',
    ]);
  });

  it('order id: OBR-3.1 filler number, else OBR-2.1 placer number, else none', () => {
    const order = (obr: string) => parsed(PID, obr, obx()).events[0].observation.orderId;
    expect(order('OBR|1|PL-1^HIS|FL-1^LIS|58410-2^CBC^LN|||20240312074500+0100')).toBe('FL-1');
    expect(order('OBR|1|PL-1^HIS||58410-2^CBC^LN|||20240312074500+0100')).toBe('PL-1');
    expect(order('OBR|1|||58410-2^CBC^LN|||20240312074500+0100')).toBeUndefined();
  });

  it('a code repeated under one sub-id is told apart by its occurrence: the first keeps the plain identity', () => {
    const result = parsed(PID, OBR, obx({ 4: 'a' }), obx({ 4: 'a', 5: '150' }), obx({ 4: 'b', 5: '160' }));
    expect(result.events.map((e) => e.observation.subId)).toEqual(['a', 'a#2', 'b']);
    expect(result.warnings).toEqual([
      'OBX 2 (777-3^LN): code repeated in one order without a distinct OBX-4; told apart by their order of occurrence (#2, #3, ...)',
    ]);
  });

  it('identity does not drift when the final report adds a line (issue 12 item 8)', () => {
    const identities = (r: Hl7ParseSuccess) =>
      r.events.map((e) => `${e.observation.code}/${e.observation.subId ?? ''}=${String(e.value)}`);
    // Preliminary: platelets twice (no OBX-4), then a comment line. Final: a haemoglobin line comes first.
    const preliminary = parsed(PID, OBR, obx({ 11: 'P' }), obx({ 1: '2', 5: '140', 11: 'P' }));
    const final = parsed(
      PID,
      OBR,
      obx({ 3: '718-7^Haemoglobin^LN', 5: '13', 6: 'g/dL' }),
      obx({ 1: '2' }),
      obx({ 1: '3', 5: '140' }),
    );
    expect(identities(preliminary)).toEqual(['777-3/=142', '777-3/#2=140']);
    expect(identities(final)).toEqual(['718-7/=13', '777-3/=142', '777-3/#2=140']);
  });

  it('a sent sub-id that collides with an occurrence number refuses that OBX only', () => {
    const result = parsed(PID, OBR, obx(), obx({ 5: '150' }), obx({ 4: '#2', 5: '160' }));
    expect(result.events.map((e) => e.observation.subId)).toEqual([undefined, '#2']);
    expect(result.refused.map((r) => r.reason)).toEqual([
      'OBX 3 (777-3^LN): same code and sub-id as another OBX of this order; cannot be told apart',
    ]);
  });

  it('20,000 OBX of one identity parse in linear time, when the limit allows them (issue 12 item 9)', () => {
    const many = (n: number) =>
      parseOruR01(message(PID, OBR, ...Array.from({ length: n }, () => obx())), { maxObservations: n });
    const time = (n: number) => {
      let best = Infinity;
      for (let run = 0; run < 2; run++) {
        const started = process.hrtime.bigint();
        const result = many(n);
        best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
        if (!result.ok || result.events.length !== n) throw new Error('expected every OBX');
      }
      return best;
    };
    time(2000); // warm-up
    const small = time(2000);
    const large = time(20000);
    // Linear: ten times the OBX, about ten times the time (quadratic would be a hundred).
    expect(large / small).toBeLessThan(30);
  });

  it('more OBX than the limit refuse the message with AR and a reason', () => {
    const result = parseOruR01(message(PID, OBR, obx(), obx({ 1: '2' }), obx({ 1: '3' })), {
      maxObservations: 2,
    });
    expect(result).toMatchObject({
      ok: false,
      ackCode: 'AR',
      reason: '3 OBX in one message; at most 2 are taken: send the report in parts',
    });
  });

  it('the same code for two patients of one message keeps each plain identity', () => {
    const result = parsed(PID, OBR, obx(), 'PID|2||5555^^^CITYHOSP^MR', OBR, obx({ 5: '99' }));
    expect(result.events.map((e) => [e.patient.id, e.observation.subId])).toEqual([
      ['4711', undefined],
      ['5555', undefined],
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('the same code in two orders needs no sub-id', () => {
    const result = parsed(PID, OBR, obx(), 'OBR|2|PL-2|FL-2|58410-2^CBC^LN|||20240312074500+0100', obx());
    expect(result.events.map((e) => [e.observation.orderId, e.observation.subId])).toEqual([
      ['FL-1', undefined],
      ['FL-2', undefined],
    ]);
  });
});

describe('parseOruR01: patient identification (PID-3)', () => {
  const patientOf = (pid: string) => parsed(pid, OBR, obx()).events[0].patient;

  it('prefers the MR identifier among those with an assigning authority', () => {
    expect(patientOf('PID|1||111^^^NATREG^NI~222^^^CITYHOSP^MR')).toEqual({
      id: '222',
      authority: 'CITYHOSP',
    });
  });

  it('takes the first identifier with an authority when none is MR', () => {
    expect(patientOf('PID|1||111^^^^MR~222^^^NATREG^NI~333^^^CITYHOSP^PI')).toEqual({
      id: '222',
      authority: 'NATREG',
    });
  });

  it('reads PID-3.4 whole (namespace, universal id, type), never the name', () => {
    expect(patientOf('PID|1||444^^^CITYHOSP&1.2.3&ISO^MR||Surname^Given')).toEqual({
      id: '444',
      authority: 'CITYHOSP&1.2.3&ISO',
    });
    expect(patientOf('PID|1||444^^^CITYHOSP&&^MR')).toEqual({ id: '444', authority: 'CITYHOSP' });
  });

  it('takes an authority given by universal id only (issue 12 item 6)', () => {
    expect(patientOf('PID|1||444^^^&2.16.840.1.113883.19.5&ISO^MR')).toEqual({
      id: '444',
      authority: '&2.16.840.1.113883.19.5&ISO',
    });
  });

  it('refuses identifiers without any authority, and missing or over-long identifiers', () => {
    const refuse = (pid: string) => {
      const result = parseOruR01(message(pid, OBR, obx()));
      return result.ok ? 'accepted' : result.reason;
    };
    expect(refuse('PID|1||444^^^&&ISO^MR')).toBe(
      'PID-3 has no identifier with an assigning authority (PID-3.4)',
    );
    expect(refuse('PID|1||^^^CITYHOSP^MR')).toBe('PID-3 patient identifier is missing');
    expect(refuse('PID|1')).toBe('PID-3 patient identifier is missing');
    expect(refuse(`PID|1||${'9'.repeat(65)}^^^CITYHOSP^MR`)).toBe(
      'PID-3 identifier is longer than 64 characters',
    );
    expect(refuse(`PID|1||444^^^H&${'1.'.repeat(70)}1&ISO^MR`)).toBe(
      'PID-3.4 assigning authority is longer than 128 characters',
    );
  });

  it('gives each OBX the patient of its own PATIENT_RESULT group', () => {
    const result = parsed(PID, OBR, obx(), 'PID|2||5555^^^CITYHOSP^MR', OBR, obx({ 5: '99' }));
    expect(result.events.map((e) => [e.patient.id, e.value])).toEqual([
      ['4711', 142],
      ['5555', 99],
    ]);
  });
});

describe('parseOruR01: whole-message refusals', () => {
  const refusal = (text: string) => {
    const result = parseOruR01(text);
    return result.ok
      ? { ok: true }
      : { reason: result.reason, ackCode: result.ackCode, errorCode: result.errorCode };
  };

  it.each([
    ['', 'empty message', 'AE', '102'],
    ['hello world', 'not an HL7 v2 message: it does not start with MSH', 'AE', '102'],
    ['MSH', 'MSH-1 field separator is missing or invalid', 'AE', '102'],
    ['MSH|^~|X', 'MSH-2 encoding characters are missing or incomplete', 'AE', '102'],
    ['MSH|^^\\&|X', 'MSH-2 encoding characters are repeated or invalid', 'AE', '102'],
    [
      `${MSH}\rPID|1||4711^^^CITYHOSP^MR\rgarbage line\r${OBR}`,
      'segment 3 is malformed (no segment name)',
      'AE',
      '102',
    ],
  ])('%j → %s', (text, reason, ackCode, errorCode) => {
    expect(refusal(text)).toEqual({ reason, ackCode, errorCode });
  });

  it.each([
    [MSH.replace('ORU^R01^ORU_R01', 'ORU^R30'), 'unsupported message type ORU^R30', 'AR', '200'],
    [MSH.replace('ORU^R01^ORU_R01', ''), 'unsupported message type (none)', 'AR', '200'],
    [MSH.replace('|2.5.1', '|2.6'), 'unsupported HL7 version 2.6', 'AR', '203'],
    [MSH.replace('|2.5.1', '|'), 'MSH-12 version is missing (message truncated?)', 'AE', '101'],
    [MSH.replace('|P|2.5.1', ''), 'MSH-12 version is missing (message truncated?)', 'AE', '101'],
    [MSH.replace('T-1', ''), 'MSH-10 message control id is missing', 'AE', '101'],
    [MSH.replace('LABSYS', ''), 'MSH-3 sending application is missing', 'AE', '101'],
    [MSH.replace('CITYLAB', ''), 'MSH-4 sending facility is missing', 'AE', '101'],
    [MSH.replace('T-1', 'C'.repeat(65)), 'MSH-10 is longer than 64 characters', 'AE', '102'],
    [MSH.replace('LABSYS', 'L'.repeat(129)), 'MSH-3 or MSH-4 is longer than 128 characters', 'AE', '102'],
  ])('MSH problem %#: %s', (msh, reason, ackCode, errorCode) => {
    expect(refusal([msh, PID, OBR, obx()].join('\r'))).toEqual({ reason, ackCode, errorCode });
  });

  it('reads senders given by universal id only (issue 12 item 6)', () => {
    const clia = MSH.replace('LABSYS|CITYLAB', 'ELR^2.16.840.1.114222.4.3.2.2^ISO|^05D0000000^CLIA');
    const result = parseOruR01([clia, PID, OBR, obx()].join('\r'));
    expect(result.ok && result.header.sender).toEqual({
      application: 'ELR&2.16.840.1.114222.4.3.2.2&ISO',
      facility: '&05D0000000&CLIA',
    });
    expect(result.ok && result.events[0]!.sender).toEqual({
      application: 'ELR&2.16.840.1.114222.4.3.2.2&ISO',
      facility: '&05D0000000&CLIA',
    });
  });

  it('a message of another type with a malformed segment is refused for its type: AR 200 (item 11)', () => {
    const adt = MSH.replace('ORU^R01^ORU_R01', 'ADT^A01^ADT_A01');
    expect(refusal([adt, 'EVN|A01', 'garbage line'].join('\r'))).toEqual({
      reason: 'unsupported message type ADT^A01',
      ackCode: 'AR',
      errorCode: '200',
    });
  });

  it.each([
    [[OBR, obx()], 'OBR segment before any PID segment', '100'],
    [[PID, obx()], 'OBX 1 is not inside an order (no OBR before it)', '100'],
    [[PID, OBR, 'ORC|RE', obx()], 'OBX 1 is not inside an order (no OBR before it)', '100'],
    [[PID, OBR], 'no OBX segment: the message carries no observation', '101'],
    [[OBR], 'OBR segment before any PID segment', '100'],
    [['NTE|1||note'], 'no PID segment', '101'],
    [[PID, OBR, obx(), MSH], 'more than one MSH segment: one message expected', '100'],
    [
      [PID, OBR, 'OBX|1|NM|777-3^Platelets^LN||142|10*9/L'],
      'OBX 1 ends before OBX-11 result status (message truncated?)',
      '101',
    ],
    [
      [PID, OBR, obx(), 'OBX|2|NM|777-3^Platelets^LN||142|10*9/L'],
      'OBX 2 ends before OBX-11 result status (message truncated?)',
      '101',
    ],
  ])('structure %#: %s', (segments, reason, errorCode) => {
    expect(refusal(message(...segments))).toEqual({ reason, ackCode: 'AE', errorCode });
  });

  it('refuses an unknown default time zone instead of guessing one', () => {
    const result = parseOruR01(message(PID, OBR, obx()), { defaultTimeZone: 'Mars/Olympus' });
    expect(result).toEqual({
      ok: false,
      reason: 'unknown default time zone Mars/Olympus',
      ackCode: 'AE',
      errorCode: '207',
    });
  });

  it('ignores NTE, ORC, PV1, SPM and Z-segments', () => {
    const result = parsed(
      'PID|1||4711^^^CITYHOSP^MR',
      'PV1|1|O',
      'ORC|RE|PL-1|FL-1',
      OBR,
      'NTE|1|L|a note with a | escaped\\F\\bar',
      'SPM|1|||BLD',
      obx(),
      'NTE|1|L|another note',
      'ZXY|custom',
    );
    expect(result.events).toEqual([platelets]);
  });

  it('leaves out a receivedAt that is not a valid date, with a warning', () => {
    const result = parseOruR01(message(PID, OBR, obx()), { receivedAt: new Date('nonsense') });
    expect(result.ok && result.events[0]).toEqual(platelets);
    expect(result.ok && result.warnings).toEqual(['receivedAt option is not a valid date; left out']);
  });
});
