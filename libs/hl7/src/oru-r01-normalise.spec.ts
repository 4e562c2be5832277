import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCodeMappingTable,
  normaliseObservation,
  senderKey,
  type ObservationInput,
} from '@alem/clinical';
import { type LabResultEvent } from './hl7-parse.types';
import { parseOruR01 } from './oru-r01.parser';

// How the result processor is expected to chain the two libraries: HL7 → lab-result.v1 events → normalised.
const FIXTURES = join(__dirname, '../../../tests/fixtures/hl7');

function observationInput(event: LabResultEvent): ObservationInput {
  return {
    code: event.observation.code,
    system: event.observation.system,
    valueType: event.valueType,
    value: event.value,
    comparator: event.comparator ?? null,
    unit: event.unit ?? null,
    referenceRange: event.referenceRange ?? null,
  };
}

function normalisedFixture(name: string) {
  const parse = parseOruR01(readFileSync(join(FIXTURES, name), 'utf8'), { defaultTimeZone: 'Europe/Prague' });
  if (!parse.ok) throw new Error(parse.reason);
  const mappings = createCodeMappingTable([
    { sender: 'LABSYS^CITYLAB', system: '99CITY', code: 'ALT', loinc: '1742-6' },
    {
      sender: 'UROLAB^NORTHCLINIC',
      system: 'L',
      code: 'RBCAUTO',
      loinc: null,
      analyte: 'urine-rbc-automated',
    },
  ]);
  return parse.events.map((event) => {
    const n = normaliseObservation(observationInput(event), { sender: senderKey(event.sender), mappings });
    return [
      event.observation.code,
      n.analyte,
      n.value ?? n.ordinal,
      n.unit,
      n.quality,
      n.basis,
      n.qualityFlags,
    ];
  });
}

describe('ORU^R01 → normalised observations', () => {
  it('CBC + chemistry: odd count units, molar creatinine and bilirubin, a mapped local ALT code', () => {
    expect(normalisedFixture('oru-r01-v251-cbc-chemistry.hl7')).toEqual([
      ['777-3', 'platelets', 142, '10*9/L', 'ok', null, []],
      ['6690-2', 'wbc', 5.4, '10*9/L', 'ok', null, []],
      ['751-8', 'neutrophils', 0.9, '10*9/L', 'ok', null, []],
      ['731-0', 'lymphocytes', 0.4, '10*9/L', 'ok', null, []],
      ['718-7', 'haemoglobin', 13.1, 'g/dL', 'ok', null, []],
      ['14682-9', 'creatinine', 0.995475113122, 'mg/dL', 'ok', null, []],
      ['ALT', 'alt', 34, 'U/L', 'ok', null, []],
      ['1975-2', 'bilirubin', 0.701754385965, 'mg/dL', 'ok', null, []],
    ]);
  });

  it('urinalysis: dipstick grades, an RBC range held, the automated count kept apart, UPCR in mg/g', () => {
    expect(normalisedFixture('oru-r01-v23-urinalysis.hl7')).toEqual([
      ['5794-3', 'urine-blood-dipstick', 1, null, 'ok', null, []],
      ['5804-0', 'urine-protein-dipstick', 0, null, 'ok', null, []],
      ['13945-1', 'urine-rbc', null, '/[HPF]', 'held', null, []],
      ['RBCAUTO', 'urine-rbc-automated', 5, '/uL', 'ok', null, []],
      ['LEU', null, null, null, 'unmapped', null, []],
      ['CASTS', null, null, null, 'unmapped', null, []],
      ['UACOMM', null, null, null, 'unmapped', null, []],
      ['2890-2', 'upcr', 163.54, 'mg/g', 'ok', null, []],
    ]);
  });

  it('D-dimer: the seed case 38000 ng/dL is held; 15452 ng/mL is 15.452 mg/L FEU; unknown basis flagged', () => {
    expect(normalisedFixture('oru-r01-v251-d-dimer.hl7')).toEqual([
      ['48065-7', 'd-dimer', null, 'mg/L', 'held', null, []],
      ['48065-7', 'd-dimer', 15.452, 'mg/L', 'ok', 'FEU', []],
      ['7799-0', 'd-dimer', 1.8, 'mg/L', 'ok', 'FEU', []],
      ['48066-5', 'd-dimer', 0.9, 'mg/L', 'ok', 'DDU', []],
      ['3246-6', 'd-dimer', 20, 'mg/L', 'ok', null, ['d-dimer-basis-unknown']],
    ]);
  });
});
