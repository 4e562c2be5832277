import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// Tests check every event against the real contract, the schema in @alem/events.
import { labResultEventSchema } from '@alem/events';
import { STANDARD_ENCODING } from './hl7-encoding';
import { type Hl7Parse, type Hl7ParseSuccess, type LabResultEvent } from './hl7-parse.types';
import { parseOruR01 } from './oru-r01.parser';

const FIXTURES = join(__dirname, '../../../tests/fixtures/hl7');
const RECEIVED = new Date('2024-03-12T09:15:30Z');
const RECEIVED_ISO = '2024-03-12T09:15:30.000Z';

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

function expectValidEvents(events: readonly LabResultEvent[]): void {
  for (const event of events) expect(labResultEventSchema.safeParse(event).error?.issues).toBeUndefined();
}

function parseOk(
  text: string,
  options: Parameters<typeof parseOruR01>[1] = { receivedAt: RECEIVED },
): Hl7ParseSuccess {
  const result = parseOruR01(text, options);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  expectValidEvents(result.events);
  return result;
}

const cityLabSender = { application: 'LABSYS', facility: 'CITYLAB' };
const receiver = { application: 'ALEMALERT', facility: 'SAFETY' };

describe('parseOruR01: fixture corpus (tests/fixtures/hl7)', () => {
  it('v2.5.1 CBC + chemistry: two OBR, several OBX each, NTE, PID-3 repetitions, odd units, LN alternate code', () => {
    const result = parseOk(fixture('oru-r01-v251-cbc-chemistry.hl7'));
    expect(result.header).toEqual({
      sender: cityLabSender,
      receiver,
      controlId: 'MSG-0001',
      version: '2.5.1',
      messageType: 'ORU^R01',
      processingId: 'P',
      sentAt: '2024-03-12T09:15:00+01:00',
      encoding: STANDARD_ENCODING,
    });
    // PID-3 repeats NI (authority NATREG), MR (CITYHOSP) and PI (no authority): the MR identifier is chosen.
    const base = {
      schema: 'lab-result.v1',
      patient: { id: '4711', authority: 'CITYHOSP' },
      sender: cityLabSender,
      messageControlId: 'MSG-0001',
      receivedAt: RECEIVED_ISO,
      status: 'final',
      observedAt: '2024-03-12T07:45:00+01:00',
    } as const;
    expect(result.events).toEqual([
      {
        ...base,
        observation: {
          code: '777-3',
          system: 'LN',
          display: 'Platelets [#/volume] in Blood by Automated count',
          orderId: 'FL-5001',
        },
        valueType: 'NM',
        value: 142,
        unit: '10*9/L',
        referenceRange: '150-400',
        flags: ['L'],
      },
      {
        // No OBX-14: the time comes from OBR-7.
        ...base,
        observation: {
          code: '6690-2',
          system: 'LN',
          display: 'Leukocytes [#/volume] in Blood by Automated count',
          orderId: 'FL-5001',
        },
        valueType: 'NM',
        value: 5.4,
        unit: 'K/uL',
        referenceRange: '4.0-10.0',
        flags: ['N'],
      },
      {
        ...base,
        observation: {
          code: '751-8',
          system: 'LN',
          display: 'Neutrophils [#/volume] in Blood by Automated count',
          orderId: 'FL-5001',
        },
        valueType: 'NM',
        value: 0.9,
        unit: 'x10E3/uL',
        referenceRange: '1.8-7.7',
        flags: ['L', 'A'],
      },
      {
        ...base,
        observation: {
          code: '731-0',
          system: 'LN',
          display: 'Lymphocytes [#/volume] in Blood',
          orderId: 'FL-5001',
        },
        valueType: 'NM',
        value: 0.4,
        unit: '10^9/L',
        referenceRange: '1.0-4.8',
        flags: ['L'],
      },
      {
        ...base,
        observation: {
          code: '718-7',
          system: 'LN',
          display: 'Hemoglobin [Mass/volume] in Blood',
          orderId: 'FL-5001',
        },
        valueType: 'NM',
        value: 13.1,
        unit: 'g/dL',
        referenceRange: '12.0-16.0',
      },
      {
        // Local primary code with a LOINC alternate (OBX-3.4/3.6): the LOINC is used.
        ...base,
        observation: {
          code: '14682-9',
          system: 'LN',
          display: 'Creatinine [Moles/volume] in Serum or Plasma',
          orderId: 'FL-5002',
        },
        valueType: 'NM',
        value: 88,
        unit: 'umol/L',
        referenceRange: '45-84',
        flags: ['H'],
      },
      {
        ...base,
        observation: {
          code: 'ALT',
          system: '99CITY',
          display: 'Alanine aminotransferase',
          orderId: 'FL-5002',
        },
        valueType: 'NM',
        value: 34,
        unit: 'U/L',
        referenceRange: '0-35',
      },
      {
        ...base,
        observation: {
          code: '1975-2',
          system: 'LN',
          display: 'Bilirubin.total [Mass/volume] in Serum or Plasma',
          orderId: 'FL-5002',
        },
        valueType: 'NM',
        value: 12,
        unit: 'umol/L',
        referenceRange: '<21',
      },
    ]);
    expect(result.warnings).toEqual(['OBX 4 (731-0^LN): OBX-6 read as 10^9/L (unescaped ^ in the unit)']);
    expect(result.skipped).toBe(0);
  });

  it('v2.3 urinalysis: CE/CWE dipsticks, SN comparator, range and category, ST, TX repetitions, local times', () => {
    const result = parseOk(fixture('oru-r01-v23-urinalysis.hl7'), {
      receivedAt: RECEIVED,
      defaultTimeZone: 'Europe/Prague',
    });
    expect(result.header).toEqual({
      sender: { application: 'UROLAB', facility: 'NORTHCLINIC' },
      receiver,
      controlId: 'UA-20240315-07',
      version: '2.3',
      messageType: 'ORU^R01',
      processingId: 'P',
      sentAt: '2024-03-15T10:30:00+01:00',
      encoding: STANDARD_ENCODING,
    });
    const base = {
      schema: 'lab-result.v1',
      patient: { id: '0044512', authority: 'NORTHCLINIC' },
      sender: { application: 'UROLAB', facility: 'NORTHCLINIC' },
      messageControlId: 'UA-20240315-07',
      receivedAt: RECEIVED_ISO,
      status: 'final',
      observedAt: '2024-03-15T08:15:00+01:00',
    } as const;
    expect(result.events).toEqual([
      {
        ...base,
        observation: {
          code: '5794-3',
          system: 'LN',
          display: 'Hemoglobin [Presence] in Urine by Test strip',
          orderId: 'UF-3311',
        },
        valueType: 'CE',
        value: '1+',
        referenceRange: 'NEG',
        flags: ['A'],
      },
      {
        ...base,
        observation: {
          code: '5804-0',
          system: 'LN',
          display: 'Protein [Presence] in Urine by Test strip',
          orderId: 'UF-3311',
        },
        valueType: 'CWE',
        value: 'Negative',
        referenceRange: 'NEG',
      },
      {
        // SN range ^3^-^5: no single number; carried as text.
        ...base,
        observation: {
          code: '13945-1',
          system: 'LN',
          display: 'Erythrocytes [#/area] in Urine sediment by Microscopy high power field',
          orderId: 'UF-3311',
        },
        valueType: 'ST',
        value: '3-5',
        unit: '/[HPF]',
        referenceRange: '0-2',
        flags: ['A'],
      },
      {
        ...base,
        observation: {
          code: 'RBCAUTO',
          system: 'L',
          display: 'Urine red cells, automated count',
          orderId: 'UF-3311',
        },
        valueType: 'SN',
        value: 5,
        comparator: '<',
        unit: '/uL',
        referenceRange: '<25',
      },
      {
        ...base,
        observation: { code: 'LEU', system: 'L', display: 'Leukocyte esterase', orderId: 'UF-3311' },
        valueType: 'ST',
        value: '2+',
        referenceRange: 'NEG',
        flags: ['A'],
      },
      {
        ...base,
        observation: { code: 'CASTS', system: 'L', display: 'Casts', orderId: 'UF-3311' },
        valueType: 'ST',
        value: 'None seen',
      },
      {
        ...base,
        observation: { code: 'UACOMM', system: 'L', display: 'Comment', orderId: 'UF-3311' },
        valueType: 'TX',
        value: 'Mid-stream sample.\nNo menses reported.',
      },
      {
        ...base,
        observation: {
          code: '2890-2',
          system: 'LN',
          display: 'Protein/Creatinine [Mass Ratio] in Urine',
          orderId: 'UF-3311',
        },
        valueType: 'NM',
        value: 18.5,
        unit: 'mg/mmol',
        referenceRange: '<15',
        flags: ['H'],
      },
    ]);
    expect(result.warnings).toEqual([
      'OBX 3 (13945-1^LN): SN range carried as ST text',
      'OBX 5 (LEU^L): SN category carried as ST text',
    ]);
  });

  it('reads times without an offset in the default zone, UTC unless configured', () => {
    const result = parseOk(fixture('oru-r01-v23-urinalysis.hl7'));
    expect(result.header.sentAt).toBe('2024-03-15T10:30:00Z');
    expect(result.events.map((e) => e.observedAt)).toEqual(Array(8).fill('2024-03-15T08:15:00Z'));
  });

  it('v2.5 escapes: \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\X0D\\, UTF-8 hex, highlighting and line breaks', () => {
    const result = parseOk(fixture('oru-r01-v25-escapes.hl7'));
    const base = {
      schema: 'lab-result.v1',
      patient: { id: '7781', authority: 'CITYHOSP' },
      sender: cityLabSender,
      messageControlId: 'ESC-0001',
      receivedAt: RECEIVED_ISO,
      status: 'final',
      observedAt: '2024-04-01T08:00:00+02:00',
    } as const;
    expect(result.events).toEqual([
      {
        ...base,
        observation: { code: 'COMM', system: 'L', display: 'Lab comment', orderId: 'FL-7001' },
        valueType: 'ST',
        value: 'Sample A|B; ratio 1^2 & repeat~again \\ done\rsecond line',
      },
      {
        ...base,
        observation: { code: '777-3', system: 'LN', display: 'Platelets & clumps check', orderId: 'FL-7001' },
        valueType: 'NM',
        value: 210,
        unit: '10^9/L',
        referenceRange: '150-400',
      },
      {
        ...base,
        observation: { code: 'NOTE', system: 'L', display: 'Note', orderId: 'FL-7001' },
        valueType: 'TX',
        value: 'Critical value phoned\nto the ward. Hémolyse absent.',
      },
    ]);
    expect(result.warnings).toEqual(['OBX 3 (NOTE^L): OBX-3.3 coding system empty; L (local) used']);
  });

  it('custom encoding characters from MSH-1/MSH-2 (# $ * % @), sub-components in PID-3.4', () => {
    const result = parseOk(fixture('oru-r01-v251-custom-encoding.hl7'));
    expect(result.header.encoding).toEqual({
      field: '#',
      component: '$',
      repetition: '*',
      escape: '%',
      subcomponent: '@',
    });
    const base = {
      schema: 'lab-result.v1',
      // PID-3.4 is a whole HD (its own sub-component character `@`), written in the canonical `&` form.
      patient: { id: '55501', authority: 'CITYHOSP&2.16.840.1.113883.3.999&ISO' },
      sender: cityLabSender,
      messageControlId: 'CUST-42',
      receivedAt: RECEIVED_ISO,
      status: 'final',
      observedAt: '2024-04-05T09:00:00+02:00',
    } as const;
    expect(result.events).toEqual([
      {
        ...base,
        observation: { code: '777-3', system: 'LN', display: 'Platelets', orderId: 'FL-9' },
        valueType: 'NM',
        value: 95,
        unit: '10*9/L',
        referenceRange: '150-400',
        flags: ['L'],
      },
      {
        ...base,
        observation: { code: 'COMM', system: 'L', display: 'Comment', orderId: 'FL-9' },
        valueType: 'ST',
        value: 'Repeat advised#see note$2 | caret ^ kept',
      },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('corrected, deleted, wrong, not-obtainable, preliminary results; bad OBX skipped with a warning; distinct sub-ids', () => {
    const result = parseOk(fixture('oru-r01-v251-corrections.hl7'));
    const base = {
      schema: 'lab-result.v1',
      patient: { id: '4711', authority: 'CITYHOSP' },
      sender: cityLabSender,
      messageControlId: 'MSG-0107',
      receivedAt: RECEIVED_ISO,
      observedAt: '2024-03-12T07:45:00+01:00',
      valueType: 'NM',
    } as const;
    expect(result.events).toEqual([
      {
        ...base,
        observation: { code: '777-3', system: 'LN', display: 'Platelets', orderId: 'FL-5001' },
        value: 124,
        unit: '10*9/L',
        referenceRange: '150-400',
        flags: ['L'],
        status: 'corrected',
      },
      {
        ...base,
        observation: { code: '751-8', system: 'LN', display: 'Neutrophils', orderId: 'FL-5001' },
        value: 1.1,
        unit: '10*9/L',
        referenceRange: '1.8-7.7',
        flags: ['L'],
        status: 'deleted',
      },
      {
        ...base,
        observation: { code: '26515-7', system: 'LN', display: 'Platelets', orderId: 'FL-5001' },
        value: null,
        unit: '10*9/L',
        referenceRange: '150-400',
        status: 'not-obtainable',
      },
      {
        // OBX-11 W: the result was wrong; it is withdrawn, as a deletion is.
        ...base,
        observation: { code: '6690-2', system: 'LN', display: 'Leukocytes', orderId: 'FL-5001' },
        value: 6.1,
        unit: '10*9/L',
        referenceRange: '4.0-10.0',
        status: 'deleted',
      },
      {
        // Same code twice in one order without OBX-4: the first keeps the plain identity, the second is #2.
        ...base,
        observation: { code: '731-0', system: 'LN', display: 'Lymphocytes', orderId: 'FL-5001' },
        value: 0.5,
        unit: '10*9/L',
        referenceRange: '1.0-4.8',
        flags: ['L'],
        status: 'preliminary',
      },
      {
        ...base,
        observation: { code: '731-0', system: 'LN', display: 'Lymphocytes', orderId: 'FL-5001', subId: '#2' },
        value: 0.6,
        unit: '10*9/L',
        referenceRange: '1.0-4.8',
        flags: ['L'],
        status: 'preliminary',
      },
      {
        ...base,
        observation: { code: '2160-0', system: 'LN', display: 'Creatinine', orderId: 'FL-5001', subId: '1' },
        value: 0.9,
        unit: 'mg/dL',
        referenceRange: '0.5-1.1',
        status: 'final',
      },
      {
        ...base,
        observation: { code: '2160-0', system: 'LN', display: 'Creatinine', orderId: 'FL-5001', subId: '2' },
        value: 1.4,
        unit: 'mg/dL',
        referenceRange: '0.5-1.1',
        flags: ['H'],
        status: 'final',
      },
    ]);
    expect(result.warnings).toEqual([
      'OBX 4 (718-7^LN): skipped, NM value is not a number',
      'OBX 10 (1920-8^LN): skipped, OBX-5 has no value',
      'OBX 7 (731-0^LN): code repeated in one order without a distinct OBX-4; told apart by their order of occurrence (#2, #3, ...)',
    ]);
    expect(result.skipped).toBe(2);
  });

  it('public-health ELR shape: senders and authority by universal id, NM "<7", OBX-11 W, SFT/SPM (issue 12)', () => {
    const result = parseOk(fixture('oru-r01-v251-elr-universal-ids.hl7'));
    const sender = { application: 'ELR-LAB&2.16.840.1.114222.4.3.99.1&ISO', facility: '&05D9999999&CLIA' };
    expect(result.header.sender).toEqual(sender);
    const base = {
      schema: 'lab-result.v1',
      patient: { id: 'PT-000417', authority: '&2.16.840.1.113883.3.999.1&ISO' },
      sender,
      messageControlId: 'ELR-20261118-000417',
      receivedAt: RECEIVED_ISO,
      observedAt: '2026-11-18T08:15:00-05:00',
      status: 'final',
    } as const;
    const order = (code: string, display: string) => ({ code, system: 'LN', display, orderId: 'FIL-88' });
    expect(result.events).toEqual([
      {
        ...base,
        observation: order('777-3', 'Platelets [#/volume] in Blood by Automated count'),
        valueType: 'SN',
        value: 7,
        comparator: '<',
        unit: '10*3/uL',
        referenceRange: '150-450',
        flags: ['LL'],
      },
      {
        ...base,
        observation: order('6690-2', 'Leukocytes [#/volume] in Blood by Automated count'),
        valueType: 'NM',
        value: 1.4,
        unit: '10*3/uL',
        referenceRange: '4.0-11.0',
        flags: ['L'],
      },
      {
        ...base,
        observation: order('770-8', 'Neutrophils/100 leukocytes in Blood by Automated count'),
        valueType: 'NM',
        value: 21,
        unit: '%',
        referenceRange: '40-75',
        flags: ['L'],
      },
      {
        ...base,
        observation: order('718-7', 'Hemoglobin [Mass/volume] in Blood'),
        valueType: 'NM',
        value: 8.9,
        unit: 'g/dL',
        referenceRange: '13.0-17.0',
        flags: ['L'],
        status: 'deleted',
      },
    ]);
    expect(result.warnings).toEqual([
      'OBX 1 (777-3^LN): NM value <7 read as SN (a number with a comparator)',
    ]);
  });

  it('hospital feed shape: an OBX without OBX-11 refused alone, repeated comment codes by occurrence (issue 12)', () => {
    const result = parseOk(fixture('oru-r01-v24-hospital-feed.hl7'));
    expect(result.events.map((e) => [e.observation.code, e.observation.subId ?? '', e.value])).toEqual([
      ['HB', '', 98],
      ['PLT', '', 21],
      ['NEUT', '', 0.8],
      ['FBCC', '', 'Platelet count confirmed on film.'],
      ['FBCC', '#2', 'Telephoned to ward by BMS at 09:28.'],
      ['FBCC', '#3', 'Suggest repeat in 48 hours.'],
    ]);
    expect(result.events[1]).toMatchObject({
      patient: { id: '1234567', authority: 'RXX01' },
      sender: { application: 'WINLAB', facility: 'RXX01' },
      observation: { code: 'PLT', system: 'WINPATH', orderId: '26H118822' },
      observedAt: '2026-11-18T08:05:00Z',
    });
    expect(result.refused).toEqual([
      {
        position: 3,
        patient: { id: '1234567', authority: 'RXX01' },
        reason: 'OBX 3 (WBC^WINPATH): OBX-11 result status "" is not supported',
      },
    ]);
  });

  it('D-dimer: units and bases passed on exactly as sent (ng/dL seed case included), OBR-7 times with offset', () => {
    const result = parseOk(fixture('oru-r01-v251-d-dimer.hl7'));
    const base = {
      schema: 'lab-result.v1',
      patient: { id: 'A778899', authority: 'STMARY' },
      sender: { application: 'COAGLAB', facility: 'STMARY' },
      messageControlId: 'DD-0381',
      receivedAt: RECEIVED_ISO,
      status: 'final',
    } as const;
    const feu = 'Fibrin D-dimer FEU [Mass/volume] in Platelet poor plasma';
    expect(result.events).toEqual([
      {
        ...base,
        observation: { code: '48065-7', system: 'LN', display: feu, orderId: 'FC-881' },
        valueType: 'NM',
        value: 38000,
        unit: 'ng/dL',
        referenceRange: '<500',
        flags: ['HH'],
        observedAt: '2024-03-05T22:15:00-05:00',
      },
      {
        ...base,
        observation: { code: '48065-7', system: 'LN', display: feu, orderId: 'FC-882' },
        valueType: 'NM',
        value: 15452,
        unit: 'ng/mL',
        referenceRange: '<500',
        flags: ['HH'],
        observedAt: '2024-03-06T22:15:00-05:00',
      },
      {
        ...base,
        observation: {
          code: '7799-0',
          system: 'LN',
          display: 'Fibrin D-dimer [Units/volume] in Platelet poor plasma',
          orderId: 'FC-883',
        },
        valueType: 'NM',
        value: 1.8,
        unit: 'ug/mL FEU',
        referenceRange: '<0.50',
        flags: ['H'],
        observedAt: '2024-03-07T09:30:00-05:00',
      },
      {
        ...base,
        observation: {
          code: '48066-5',
          system: 'LN',
          display: 'Fibrin D-dimer DDU [Mass/volume] in Platelet poor plasma',
          orderId: 'FC-883',
        },
        valueType: 'NM',
        value: 0.9,
        unit: 'mg/L',
        referenceRange: '<0.25',
        flags: ['H'],
        observedAt: '2024-03-07T09:30:00-05:00',
      },
      {
        ...base,
        observation: {
          code: '3246-6',
          system: 'LN',
          display: 'Fibrin D-dimer [Mass/volume] in Platelet poor plasma',
          orderId: 'FC-883',
        },
        valueType: 'SN',
        value: 20,
        comparator: '>',
        unit: 'mg/L',
        referenceRange: '<0.5',
        flags: ['HH'],
        observedAt: '2024-03-07T09:30:00-05:00',
      },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('v2.4 time zones: fractions, explicit offsets, local summer and winter time, date only, DST gap, bad date', () => {
    const result = parseOk(fixture('oru-r01-v24-time-zones.hl7'), {
      receivedAt: RECEIVED,
      defaultTimeZone: 'Europe/Prague',
    });
    expect(result.header.sentAt).toBe('2024-07-01T12:00:00+02:00');
    expect(result.header.version).toBe('2.4');
    const base = {
      schema: 'lab-result.v1',
      patient: { id: '4711', authority: 'CITYHOSP' },
      sender: cityLabSender,
      messageControlId: 'TZ-0001',
      receivedAt: RECEIVED_ISO,
      status: 'final',
      valueType: 'NM',
    } as const;
    expect(result.events).toEqual([
      {
        ...base,
        observation: { code: '777-3', system: 'LN', display: 'Platelets', orderId: 'FL-8001' },
        value: 180,
        unit: '10*9/L',
        referenceRange: '150-400',
        observedAt: '2024-07-01T08:30:15.123+02:00',
      },
      {
        ...base,
        observation: { code: '751-8', system: 'LN', display: 'Neutrophils', orderId: 'FL-8001' },
        value: 2.1,
        unit: '10*9/L',
        referenceRange: '1.8-7.7',
        observedAt: '2024-07-01T08:30:00-05:00',
      },
      {
        ...base,
        observation: { code: '731-0', system: 'LN', display: 'Lymphocytes', orderId: 'FL-8001' },
        value: 1.2,
        unit: '10*9/L',
        referenceRange: '1.0-4.8',
        observedAt: '2024-07-01T08:30:00+05:30',
      },
      {
        ...base,
        observation: { code: '6690-2', system: 'LN', display: 'Leukocytes', orderId: 'FL-8001' },
        value: 4.9,
        unit: '10*9/L',
        referenceRange: '4.0-10.0',
        observedAt: '2024-01-15T08:30:00+01:00',
      },
      {
        ...base,
        observation: { code: '718-7', system: 'LN', display: 'Hemoglobin', orderId: 'FL-8001' },
        value: 12.9,
        unit: 'g/dL',
        referenceRange: '12.0-16.0',
        observedAt: '2024-07-01T00:00:00+02:00',
      },
      {
        ...base,
        observation: { code: '3016-3', system: 'LN', display: 'TSH', orderId: 'FL-8001' },
        value: 2.1,
        unit: 'mIU/L',
        referenceRange: '0.4-4.0',
        observedAt: '2024-03-31T03:30:00+02:00',
      },
    ]);
    expect(result.warnings).toEqual([
      'OBX 5 (718-7^LN): OBR-7 has a date but no time; midnight in Europe/Prague used',
      'OBX 6 (3016-3^LN): OBX-14 local time does not exist in Europe/Prague (DST); moved forward',
      'OBX 7 (3024-7^LN): skipped, OBX-14 observation time unreadable: timestamp is not a calendar date',
    ]);
  });

  const refused: Array<[string, Hl7Parse]> = [
    [
      'adt-a01.hl7',
      {
        ok: false,
        reason: 'unsupported message type ADT^A01',
        ackCode: 'AR',
        errorCode: '200',
        controlId: 'ADT-5521',
        sender: { application: 'ADTSYS', facility: 'CITYHOSP' },
        receiver,
        version: '2.5.1',
        messageType: 'ADT^A01',
        processingId: 'P',
        encoding: STANDARD_ENCODING,
      },
    ],
    [
      'oru-r01-missing-pid3.hl7',
      {
        ok: false,
        reason: 'PID-3 patient identifier is missing',
        ackCode: 'AE',
        errorCode: '101',
        controlId: 'MSG-0201',
        sender: cityLabSender,
        receiver,
        version: '2.5.1',
        messageType: 'ORU^R01',
        processingId: 'P',
        encoding: STANDARD_ENCODING,
      },
    ],
    [
      'oru-r01-pid3-without-authority.hl7',
      {
        ok: false,
        reason: 'PID-3 has no identifier with an assigning authority (PID-3.4)',
        ackCode: 'AE',
        errorCode: '101',
        controlId: 'MSG-0202',
        sender: cityLabSender,
        receiver,
        version: '2.5.1',
        messageType: 'ORU^R01',
        processingId: 'P',
        encoding: STANDARD_ENCODING,
      },
    ],
    [
      'oru-r01-truncated.hl7',
      {
        ok: false,
        reason: 'OBX 2 ends before OBX-11 result status (message truncated?)',
        ackCode: 'AE',
        errorCode: '101',
        controlId: 'MSG-0203',
        sender: cityLabSender,
        receiver,
        version: '2.5.1',
        messageType: 'ORU^R01',
        processingId: 'P',
        encoding: STANDARD_ENCODING,
      },
    ],
  ];
  it.each(refused)('refuses %s as a whole, with what an ACK needs', (name, expected) => {
    expect(parseOruR01(fixture(name), { receivedAt: RECEIVED })).toEqual(expected);
  });

  it('has a test for every fixture file', () => {
    const covered = new Set([
      'oru-r01-v251-cbc-chemistry.hl7',
      'oru-r01-v23-urinalysis.hl7',
      'oru-r01-v25-escapes.hl7',
      'oru-r01-v251-custom-encoding.hl7',
      'oru-r01-v251-corrections.hl7',
      'oru-r01-v251-d-dimer.hl7',
      'oru-r01-v24-time-zones.hl7',
      'oru-r01-v251-elr-universal-ids.hl7',
      'oru-r01-v24-hospital-feed.hl7',
      ...refused.map(([name]) => name),
      // Pharmacy messages (issue 18), read by pharmacy.parser.spec.ts.
      'ras-o17-v25-course1.hl7',
      'ras-o17-v25-correction.hl7',
      'ras-o17-v251-gateway-infusions.hl7',
      'rds-o13-v25-dispense.hl7',
      'rde-o11-v25-order.hl7',
    ]);
    expect(
      readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.hl7'))
        .sort(),
    ).toEqual([...covered].sort());
  });

  it('accepts \\n and \\r\\n segment separators and MLLP framing bytes the same as \\r', () => {
    const text = fixture('oru-r01-v251-cbc-chemistry.hl7');
    const expected = parseOk(text);
    expect(parseOk(text.replace(/\r/g, '\n'))).toEqual(expected);
    expect(parseOk(text.replace(/\r/g, '\r\n'))).toEqual(expected);
    expect(parseOk(`\u000b${text}\u001c\r`)).toEqual(expected);
  });

  it('never throws and never emits an invalid event, whatever prefix of a fixture it is given', () => {
    for (const name of readdirSync(FIXTURES)) {
      const text = fixture(name);
      for (let cut = 0; cut <= text.length; cut += 7) {
        const result = parseOruR01(text.slice(0, cut), { receivedAt: RECEIVED });
        if (result.ok) expectValidEvents(result.events);
        else expect(result.reason).toEqual(expect.any(String));
      }
    }
  });
});
