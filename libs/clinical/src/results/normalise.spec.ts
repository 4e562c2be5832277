import { createCodeMappingTable } from './code-mapping';
import { normaliseObservation, type NormalisationContext } from './normalise';
import { type NormalisedObservation, type ObservationInput } from './result';

function input(overrides: Partial<ObservationInput>): ObservationInput {
  return {
    code: '777-3',
    system: 'LN',
    valueType: 'NM',
    value: 150,
    comparator: null,
    unit: '10*9/L',
    referenceRange: null,
    ...overrides,
  };
}

const SENDER = 'LABSYS^CITYLAB';
const mappings = createCodeMappingTable([
  { sender: SENDER, system: '99CITY', code: 'ALT', loinc: '1742-6' },
  { sender: SENDER, system: '99CITY', code: 'CREA', loinc: '2160-0', unit: 'umol/L' },
  { sender: SENDER, system: 'L', code: 'RBCAUTO', loinc: null, analyte: 'urine-rbc-automated' },
  { sender: SENDER, system: '99CITY', code: 'NA', loinc: '2951-2' },
  // This lab files automated urine counts under the microscopy LOINC: its mapping row corrects that.
  { sender: SENDER, system: 'LN', code: '13945-1', loinc: null, analyte: 'urine-rbc-automated' },
]);
const context: NormalisationContext = { sender: SENDER, mappings };

describe('normaliseObservation: conversions to the canonical unit (clinical rules §4.1)', () => {
  // [analyte, LOINC, value, unit as sent, value in canonical unit, canonical unit]
  const rows: Array<[string, string, number, string, number, string]> = [
    ['platelets', '777-3', 150, '10*9/L', 150, '10*9/L'],
    ['platelets', '777-3', 150, '10*3/uL', 150, '10*9/L'],
    ['platelets', '777-3', 150, 'K/uL', 150, '10*9/L'],
    ['platelets', '777-3', 150, 'K/µL', 150, '10*9/L'],
    ['platelets', '777-3', 150, 'x10E3/uL', 150, '10*9/L'],
    ['platelets', '777-3', 150, 'x10^3/uL', 150, '10*9/L'],
    ['platelets', '777-3', 150, '10^9/L', 150, '10*9/L'],
    ['platelets', '777-3', 150, ' x 10^9 /L ', 150, '10*9/L'],
    ['platelets', '777-3', 150, 'G/L', 150, '10*9/L'],
    ['platelets', '777-3', 150, 'thou/uL', 150, '10*9/L'],
    ['platelets', '777-3', 150000, '/uL', 150, '10*9/L'],
    ['platelets', '777-3', 150000, '/mm3', 150, '10*9/L'],
    ['platelets', '777-3', 150000, 'cells/uL', 150, '10*9/L'],
    ['platelets (manual)', '778-1', 95, 'K/uL', 95, '10*9/L'],
    ['neutrophils', '751-8', 1.5, 'x10E3/uL', 1.5, '10*9/L'],
    ['neutrophils', '751-8', 1500, '/mm3', 1.5, '10*9/L'],
    ['lymphocytes', '731-0', 800, 'cells/uL', 0.8, '10*9/L'],
    ['wbc', '6690-2', 5.4, 'K/uL', 5.4, '10*9/L'],
    ['cd4', '24467-3', 200, 'cells/uL', 200, '/uL'],
    ['cd4', '24467-3', 200, '{cells}/uL', 200, '/uL'],
    ['cd4', '24467-3', 200, '/mm3', 200, '/uL'],
    ['cd4', '24467-3', 200, 'cells/mm3', 200, '/uL'],
    ['cd4', '24467-3', 200, '10*6/L', 200, '/uL'],
    ['cd4', '24467-3', 0.2, '10*9/L', 200, '/uL'],
    ['cd4', '24467-3', 0.35, 'x10E3/uL', 350, '/uL'],
    ['cd4 %', '8123-2', 25, '%', 25, '%'],
    ['haemoglobin', '718-7', 13.1, 'g/dL', 13.1, 'g/dL'],
    ['haemoglobin', '718-7', 131, 'g/L', 13.1, 'g/dL'],
    ['haemoglobin', '718-7', 6.2, 'mmol/L', 9.99033193684, 'g/dL'],
    ['creatinine', '2160-0', 1.2, 'mg/dL', 1.2, 'mg/dL'],
    ['creatinine', '2160-0', 1.2, 'mg/dl', 1.2, 'mg/dL'],
    ['creatinine', '2160-0', 1.2, 'MG/DL', 1.2, 'mg/dL'],
    ['creatinine', '14682-9', 88.4, 'umol/L', 1, 'mg/dL'],
    ['creatinine', '14682-9', 88, 'µmol/L', 0.995475113122, 'mg/dL'],
    ['creatinine', '14682-9', 88, 'μmol/l', 0.995475113122, 'mg/dL'],
    ['creatinine', '77140-2', 88.4, 'UMOL/L', 1, 'mg/dL'],
    ['urine RBC (microscopy)', '13945-1', 5, '/[HPF]', 5, '/[HPF]'],
    ['urine RBC (microscopy)', '13945-1', 5, '/hpf', 5, '/[HPF]'],
    ['urine RBC (microscopy)', '13945-1', 5, 'RBC/HPF', 5, '/[HPF]'],
    ['UPCR', '2890-2', 150, 'mg/g', 150, 'mg/g'],
    ['UPCR', '2890-2', 50, 'mg/mmol', 442, 'mg/g'],
    ['UPCR', '2890-2', 0.5, 'g/g', 500, 'mg/g'],
    ['UPCR', '2890-2', 0.5, 'mg/mg', 500, 'mg/g'],
    ['TSH', '3016-3', 2.5, 'm[IU]/L', 2.5, 'm[IU]/L'],
    ['TSH', '3016-3', 2.5, 'mIU/L', 2.5, 'm[IU]/L'],
    ['TSH', '3016-3', 2.5, 'uIU/mL', 2.5, 'm[IU]/L'],
    ['TSH', '3016-3', 2.5, 'µIU/mL', 2.5, 'm[IU]/L'],
    ['TSH', '3016-3', 2.5, 'mU/L', 2.5, 'm[IU]/L'],
    ['free T4', '3024-7', 1.2, 'ng/dL', 1.2, 'ng/dL'],
    ['free T4', '3024-7', 15.6, 'pmol/L', 1.21212121212, 'ng/dL'],
    ['free T3', '3051-0', 3.1, 'pg/mL', 3.1, 'pg/mL'],
    ['TRAb', '5385-0', 1.5, 'IU/L', 1.5, '[IU]/L'],
    ['TPO Ab', '8099-4', 34, 'IU/mL', 34, '[IU]/mL'],
    ['ALT', '1742-6', 35, 'U/L', 35, 'U/L'],
    ['ALT', '1742-6', 35, 'IU/L', 35, 'U/L'],
    ['ALT', '1742-6', 0.5, 'ukat/L', 30, 'U/L'],
    ['ALT', '1742-6', 0.5, 'µkat/L', 30, 'U/L'],
    ['AST', '1920-8', 40, '[IU]/L', 40, 'U/L'],
    ['ALP', '6768-6', 100, 'U/l', 100, 'U/L'],
    ['bilirubin', '1975-2', 17.1, 'umol/L', 1, 'mg/dL'],
    ['bilirubin', '1975-2', 34.2, 'µmol/L', 2, 'mg/dL'],
    ['ferritin', '2276-4', 500, 'ug/L', 500, 'ug/L'],
    ['ferritin', '2276-4', 500, 'ng/mL', 500, 'ug/L'],
    ['ferritin', '2276-4', 500, 'mcg/L', 500, 'ug/L'],
    ['ferritin', '2276-4', 2247, 'pmol/L', 1000, 'ug/L'],
    ['triglycerides', '2571-8', 3, 'mmol/L', 265.5, 'mg/dL'],
    ['triglycerides', '2571-8', 150, 'mg/dL', 150, 'mg/dL'],
    ['fibrinogen', '3255-7', 150, 'mg/dL', 1.5, 'g/L'],
    ['fibrinogen', '3255-7', 1.5, 'g/L', 1.5, 'g/L'],
    ['aPTT', '3173-2', 32, 's', 32, 's'],
    ['aPTT', '14979-9', 32, 'sec', 32, 's'],
    ['PT', '5902-2', 12, 'seconds', 12, 's'],
    ['INR', '6301-6', 1.1, '{INR}', 1.1, '{INR}'],
    ['INR', '6301-6', 1.1, 'ratio', 1.1, '{INR}'],
    ['factor VIII', '3209-4', 45, '%', 45, '%'],
    ['factor VIII', '3209-4', 45, 'IU/dL', 45, '%'],
    ['factor VIII', '3209-4', 0.45, 'IU/mL', 45, '%'],
    ['FVIII inhibitor', '3204-5', 2.5, 'BU/mL', 2.5, "[arb'U]/mL"],
    ['FVIII inhibitor', '3204-5', 2.5, "[arb'U]/mL", 2.5, "[arb'U]/mL"],
    ['IL-6', '26881-3', 65, 'pg/mL', 65, 'pg/mL'],
    ['IL-6', '26881-3', 65, 'ng/L', 65, 'pg/mL'],
  ];

  it.each(rows)('%s (%s): %p %s → %p %s', (_name, loinc, value, unit, expected, canonical) => {
    const out = normaliseObservation(input({ code: loinc, value, unit }));
    expect(out).toEqual({
      ...out,
      value: expected,
      unit: canonical,
      quality: 'ok',
      qualityReason: null,
      qualityFlags: [],
    });
  });

  it('returns the whole normalised observation', () => {
    expect(
      normaliseObservation(input({ code: '14682-9', value: 88, unit: 'umol/L', referenceRange: '45-84' })),
    ).toEqual({
      analyte: 'creatinine',
      loinc: '14682-9',
      value: 0.995475113122,
      unit: 'mg/dL',
      comparator: null,
      ordinal: null,
      text: null,
      range: { low: 0.509049773756, high: 0.950226244344, source: 'lab' },
      basis: null,
      quality: 'ok',
      qualityReason: null,
      qualityFlags: [],
      reportedUnit: 'umol/L',
    });
  });

  it('INR needs no unit (dimensionless)', () => {
    expect(normaliseObservation(input({ code: '6301-6', value: 1.1, unit: null }))).toMatchObject({
      value: 1.1,
      quality: 'ok',
    });
  });

  it('keeps the comparator and reads numbers sent as text, flagging them', () => {
    expect(
      normaliseObservation(input({ valueType: 'SN', value: 20000, comparator: '<', unit: '/uL' })),
    ).toMatchObject({
      value: 20,
      comparator: '<',
      quality: 'ok',
    });
    expect(normaliseObservation(input({ valueType: 'ST', value: '>1000', unit: '/uL' }))).toMatchObject({
      value: 1,
      comparator: '>',
      text: '>1000',
      quality: 'ok',
      qualityFlags: ['value-from-text'],
    });
    expect(normaliseObservation(input({ valueType: 'ST', value: '≤ 50', unit: '10*9/L' }))).toMatchObject({
      value: 50,
      comparator: '<=',
      qualityFlags: ['value-from-text'],
    });
    expect(normaliseObservation(input({ valueType: 'ST', value: '142' }))).toMatchObject({
      value: 142,
      comparator: null,
      qualityFlags: ['value-from-text'],
    });
  });
});

describe('normaliseObservation: held, never guessed', () => {
  const held = (
    overrides: Partial<ObservationInput>,
  ): Pick<NormalisedObservation, 'quality' | 'qualityReason' | 'value'> => {
    const out = normaliseObservation(input(overrides), context);
    return { quality: out.quality, qualityReason: out.qualityReason, value: out.value };
  };

  it.each([
    [{ unit: null }, 'no unit sent for Platelets; not graded'],
    [{ unit: '  ' }, 'no unit sent for Platelets; not graded'],
    [{ unit: 'g/L' }, 'unit "g/L" cannot be converted to 10*9/L for Platelets'],
    [{ unit: '%' }, 'unit "%" cannot be converted to 10*9/L for Platelets'],
    [
      { unit: 'mill/mm3' },
      'unit "mill/mm3" is not a plausible unit for Platelets; not converted (accepted: 10*9/L, 10*3/uL, 10*3/mm3, /uL, /mm3)',
    ],
    [
      { unit: 'furlongs' },
      'unit "furlongs" is not recognised for Platelets (accepted: 10*9/L, 10*3/uL, 10*3/mm3, /uL, /mm3)',
    ],
    [{ code: '751-8', unit: '%' }, 'unit "%" cannot be converted to 10*9/L for Neutrophils (absolute)'],
    [{ code: '2160-0', unit: 'mmol/L' }, 'unit "mmol/L" cannot be converted to mg/dL for Creatinine (serum)'],
    [{ code: '2160-0', unit: 'K/uL' }, 'unit "K/uL" cannot be converted to mg/dL for Creatinine (serum)'],
    [
      { code: '2276-4', unit: 'ng/dL' },
      'unit "ng/dL" is not a plausible unit for Ferritin; not converted (accepted: ug/L, ng/mL, pmol/L)',
    ],
    [{ code: '3016-3', unit: '[IU]/L' }, 'unit "[IU]/L" cannot be converted to m[IU]/L for TSH'],
    [{ code: '3173-2', unit: '{ratio}' }, 'unit "{ratio}" cannot be converted to s for aPTT'],
    [{ value: null }, 'no numeric value'],
    [{ valueType: 'ST', value: 'see note' }, 'no numeric value'],
    [{ valueType: 'ST', value: 'clumped' }, 'no numeric value'],
    [
      { valueType: 'ST', value: '3-5', code: '13945-1', unit: '/[HPF]' },
      'range result "3-5" cannot be graded as one number',
    ],
    [{ value: Number.NaN }, 'value is not a finite number'],
  ])('%j → held: %s', (overrides, reason) => {
    expect(held(overrides)).toEqual({ quality: 'held', qualityReason: reason, value: null });
  });

  it('urine RBC by microscopy (/[HPF]) and automated count (/uL) are never converted into each other (§4.1)', () => {
    expect(held({ code: '13945-1', system: 'LOINC', unit: '/uL', value: 12 })).toEqual({
      quality: 'held',
      qualityReason: 'unit "/uL" cannot be converted to /[HPF] for Urine red cells (microscopy)',
      value: null,
    });
    expect(held({ code: 'RBCAUTO', system: 'L', unit: '/hpf', value: 5 })).toEqual({
      quality: 'held',
      qualityReason: 'unit "/hpf" cannot be converted to /uL for Urine red cells (automated count)',
      value: null,
    });
    expect(
      normaliseObservation(input({ code: 'RBCAUTO', system: 'L', unit: '/uL', value: 12 }), context),
    ).toMatchObject({
      analyte: 'urine-rbc-automated',
      loinc: null,
      value: 12,
      unit: '/uL',
      quality: 'ok',
    });
    expect(
      normaliseObservation(input({ code: '13945-1', system: 'LN', unit: '/hpf', value: 5 })),
    ).toMatchObject({
      analyte: 'urine-rbc',
      value: 5,
      unit: '/[HPF]',
      quality: 'ok',
    });
  });
});

describe('normaliseObservation: D-dimer (§4.2, rule DD-4)', () => {
  const dd = (code: string, value: number, unit: string | null, referenceRange: string | null = null) =>
    normaliseObservation(input({ code, value, unit, referenceRange }));

  it('seed case: 38000 ng/dL is held, never turned into 0.38 mg/L; 38000 ng/mL is 38 mg/L FEU', () => {
    expect(dd('48065-7', 38000, 'ng/dL')).toEqual({
      analyte: 'd-dimer',
      loinc: '48065-7',
      value: null,
      unit: 'mg/L',
      comparator: null,
      ordinal: null,
      text: null,
      range: { low: null, high: null, source: 'none' },
      basis: null,
      quality: 'held',
      qualityReason:
        'unit "ng/dL" is not a plausible unit for D-dimer; not converted (accepted: mg/L, ug/mL, ng/mL, ug/L, nmol/L) (DD-4)',
      qualityFlags: [],
    });
    expect(dd('48065-7', 38000, 'ng/mL', '<500')).toEqual({
      analyte: 'd-dimer',
      loinc: '48065-7',
      value: 38,
      unit: 'mg/L',
      comparator: null,
      ordinal: null,
      text: null,
      range: { low: null, high: 0.5, source: 'lab' },
      basis: 'FEU',
      quality: 'ok',
      qualityReason: null,
      qualityFlags: [],
      reportedUnit: 'ng/mL',
    });
  });

  // [LOINC, value, unit, mg/L, basis, flags]
  it.each([
    ['48065-7', 15452, 'ng/mL', 15.452, 'FEU', []],
    ['48067-3', 0.5, 'ug/mL', 0.5, 'FEU', []],
    ['71427-9', 500, 'µg/L', 0.5, 'FEU', []],
    ['48065-7', 0.7, 'mg/L', 0.7, 'FEU', []],
    ['48065-7', 0.7, 'mg/L FEU', 0.7, 'FEU', []],
    ['7799-0', 1.8, 'ug/mL FEU', 1.8, 'FEU', []],
    ['7799-0', 1.8, 'mg/L{FEU}', 1.8, 'FEU', []],
    ['3246-6', 1.8, 'µg/mL (FEU)', 1.8, 'FEU', []],
    ['48066-5', 0.9, 'mg/L', 0.9, 'DDU', []],
    ['48058-2', 240, 'ng/mL', 0.24, 'DDU', []],
    ['91556-1', 240, 'ng/mL DDU', 0.24, 'DDU', []],
    ['7799-0', 240, 'ng/mL DDU', 0.24, 'DDU', []],
    ['7799-0', 0.9, 'mg/L', 0.9, null, ['d-dimer-basis-unknown']],
    ['3246-6', 250, 'ng/mL', 0.25, null, ['d-dimer-basis-unknown']],
    ['48065-7', 5.476, 'nmol/L', 1, 'FEU', ['d-dimer-molar-unit']],
    ['7799-0', 10.952, 'nmol/L FEU', 2, 'FEU', ['d-dimer-molar-unit']],
  ])('%s %p %s → %p mg/L, basis %s, flags %j', (code, value, unit, mgL, basis, flags) => {
    expect(dd(code, value, unit)).toMatchObject({
      value: mgL,
      unit: 'mg/L',
      basis,
      quality: 'ok',
      qualityFlags: flags,
    });
  });

  it.each([
    ['48065-7', 'mg/dL', 'unit "mg/dL" is not a plausible unit for D-dimer; not converted'],
    ['48065-7', 'ng/L', 'unit "ng/L" is not a plausible unit for D-dimer; not converted'],
    ['48065-7', 'ug/dL', 'unit "ug/dL" is not a plausible unit for D-dimer; not converted'],
    ['48065-7', 'FEU', 'D-dimer unit "FEU" has no mass unit (DD-4)'],
    ['48065-7', 'ng/mL DDU', 'D-dimer unit says DDU but LOINC 48065-7 is FEU (DD-4)'],
    ['7799-0', 'ug/mL FEU DDU', 'D-dimer unit "ug/mL FEU DDU" names both FEU and DDU (DD-4)'],
    ['7799-0', 'nmol/L', 'D-dimer in nmol/L converts only on the FEU basis (§4.2, DD-4)'],
    ['48066-5', 'nmol/L', 'D-dimer in nmol/L converts only on the FEU basis (§4.2, DD-4)'],
    ['48065-7', 'U/L', 'unit "U/L" cannot be converted to mg/L for D-dimer'],
    ['48065-7', 'mg/Lfeu', 'unit "mg/Lfeu" is not recognised for D-dimer'],
    ['48065-7', null, 'no unit sent for D-dimer; not graded'],
  ])('%s in %j is held: %s', (code, unit, reason) => {
    const out = dd(code, 1, unit);
    expect(out.quality).toBe('held');
    expect(out.value).toBeNull();
    expect(out.qualityReason?.startsWith(reason)).toBe(true);
  });

  it('the FEU fallback cut-off (≤0.5 mg/L, §5) is lent only to FEU results', () => {
    expect(dd('48065-7', 0.3, 'mg/L').range).toEqual({ low: null, high: 0.5, source: 'fallback' });
    expect(dd('48066-5', 0.3, 'mg/L').range).toEqual({ low: null, high: null, source: 'none' });
    expect(dd('7799-0', 0.3, 'mg/L').range).toEqual({ low: null, high: null, source: 'none' });
    expect(dd('7799-0', 300, 'ng/mL DDU', '<250').range).toEqual({ low: null, high: 0.25, source: 'lab' });
  });

  it('keeps an SN comparator through the conversion', () => {
    expect(
      normaliseObservation(
        input({ code: '3246-6', valueType: 'SN', value: 20, comparator: '>', unit: 'mg/L' }),
      ),
    ).toMatchObject({
      value: 20,
      comparator: '>',
      basis: null,
      qualityFlags: ['d-dimer-basis-unknown'],
    });
  });
});

describe('normaliseObservation: reference ranges', () => {
  it.each([
    ['777-3', '150000-400000', '/uL', { low: 150, high: 400, source: 'lab' }],
    ['777-3', '150 - 400', 'K/uL', { low: 150, high: 400, source: 'lab' }],
    ['777-3', '(150-400)', 'K/uL', { low: 150, high: 400, source: 'lab' }],
    ['1975-2', '<21', 'umol/L', { low: null, high: 1.22807017544, source: 'lab' }],
    ['718-7', '>=6.2', 'mmol/L', { low: 9.99033193684, high: null, source: 'lab' }],
    ['718-7', '7.5 to 10', 'mmol/L', { low: 12.0850789558, high: 16.1134386078, source: 'lab' }],
    ['3209-4', '0.5-1.5', 'IU/mL', { low: 50, high: 150, source: 'lab' }],
    ['2571-8', '≤1.7', 'mmol/L', { low: null, high: 150.45, source: 'lab' }],
  ])('%s %j in %s → %j', (code, referenceRange, unit, range) => {
    expect(normaliseObservation(input({ code, unit, referenceRange })).range).toEqual(range);
  });

  it.each([
    ['777-3', { low: 150, high: 450, source: 'fallback' }],
    ['731-0', { low: 1.0, high: 4.8, source: 'fallback' }],
    ['3173-2', { low: 25, high: 35, source: 'fallback' }],
    ['3209-4', { low: 50, high: 150, source: 'fallback' }],
    ['751-8', { low: null, high: null, source: 'none' }],
  ])('without a lab range, %s uses the §5 fallback: %j', (code, range) => {
    const unit = { '3173-2': 's', '3209-4': '%' }[code] ?? '10*9/L';
    const out = normaliseObservation(input({ code, unit, referenceRange: null }));
    expect(out.range).toEqual(range);
    expect(out.qualityFlags).toEqual([]);
  });

  it('a range that cannot be read is flagged; the fallback (if any) is used', () => {
    expect(normaliseObservation(input({ referenceRange: 'M 150-400 F 160-420' }))).toMatchObject({
      range: { low: 150, high: 450, source: 'fallback' },
      quality: 'ok',
      qualityFlags: ['reference-range-unreadable'],
    });
    expect(normaliseObservation(input({ code: '751-8', referenceRange: '400-150' }))).toMatchObject({
      range: { low: null, high: null, source: 'none' },
      qualityFlags: ['reference-range-unreadable'],
    });
  });
});

describe('normaliseObservation: dipsticks (ordinal)', () => {
  it.each([
    ['negative', 0],
    ['Neg', 0],
    ['NEG', 0],
    ['-', 0],
    ['0', 0],
    ['trace', 0.5],
    ['Trace', 0.5],
    ['+-', 0.5],
    ['±', 0.5],
    ['1+', 1],
    ['+', 1],
    ['2+', 2],
    ['++', 2],
    ['3+', 3],
    ['+++', 3],
    ['4+', 4],
    ['++++', 4],
    [' 2 + ', 2],
  ])('blood and protein dipstick %j → grade %p', (text, grade) => {
    for (const code of ['5794-3', '5804-0']) {
      expect(normaliseObservation(input({ code, valueType: 'CE', value: text, unit: null }))).toEqual({
        analyte: code === '5794-3' ? 'urine-blood-dipstick' : 'urine-protein-dipstick',
        loinc: code,
        value: null,
        unit: null,
        comparator: null,
        ordinal: grade,
        text,
        range: { low: null, high: null, source: 'none' },
        basis: null,
        quality: 'ok',
        qualityReason: null,
        qualityFlags: [],
      });
    }
  });

  it('a numeric 0 is negative', () => {
    expect(normaliseObservation(input({ code: '5794-3', value: 0, unit: null })).ordinal).toBe(0);
  });

  it.each([['small'], ['moderate'], ['positive'], ['1'], ['Trace-lysed'], [2], [null]])(
    'dipstick %j has no agreed grade: held',
    (value) => {
      const out = normaliseObservation(input({ code: '5794-3', value, unit: null }));
      expect(out).toMatchObject({ quality: 'held', ordinal: null });
      expect(out.qualityReason).toMatch(
        /^(Urine blood \(dipstick\) result .* is not a known dipstick grade|no result for Urine blood \(dipstick\))$/,
      );
    },
  );
});

describe('normaliseObservation: codes and the per-sender mapping table', () => {
  it('maps a local code through the sender’s table', () => {
    expect(
      normaliseObservation(
        input({ code: 'ALT', system: '99CITY', value: 34, unit: 'U/L', referenceRange: '0-35' }),
        context,
      ),
    ).toEqual({
      analyte: 'alt',
      loinc: '1742-6',
      value: 34,
      unit: 'U/L',
      comparator: null,
      ordinal: null,
      text: null,
      range: { low: 0, high: 35, source: 'lab' },
      basis: null,
      quality: 'ok',
      qualityReason: null,
      qualityFlags: [],
      reportedUnit: 'U/L',
    });
  });

  it('uses the mapping’s unit only when the lab sends none, and flags it', () => {
    expect(
      normaliseObservation(input({ code: 'CREA', system: '99CITY', value: 88.4, unit: null }), context),
    ).toMatchObject({
      analyte: 'creatinine',
      loinc: '2160-0',
      value: 1,
      quality: 'ok',
      qualityFlags: ['unit-from-mapping'],
      // The mapping's unit is the unit the value is in: a threshold written in µmol/L is judged in it.
      reportedUnit: 'umol/L',
    });
    expect(
      normaliseObservation(input({ code: 'CREA', system: '99CITY', value: 1.1, unit: 'mg/dL' }), context),
    ).toMatchObject({
      value: 1.1,
      qualityFlags: [],
    });
  });

  it('a mapping row for a LOINC code overrides the catalogue for that sender only', () => {
    // This lab sends automated urine counts under the microscopy code 13945-1 (see the table above).
    expect(normaliseObservation(input({ code: '13945-1', value: 12, unit: '/uL' }), context)).toMatchObject({
      analyte: 'urine-rbc-automated',
      loinc: null,
      value: 12,
      unit: '/uL',
      quality: 'ok',
    });
    expect(
      normaliseObservation(input({ code: '13945-1', value: 12, unit: '/uL' }), {
        sender: 'OTHER^LAB',
        mappings,
      }),
    ).toMatchObject({ analyte: 'urine-rbc', quality: 'held' });
  });

  it('an unmapped local code is kept as unmapped, with the sender in the reason', () => {
    expect(normaliseObservation(input({ code: 'ALT', system: '99OTHER' }), context)).toMatchObject({
      analyte: null,
      loinc: null,
      value: null,
      quality: 'unmapped',
      qualityReason: 'no LOINC mapping for 99OTHER code ALT from LABSYS^CITYLAB',
    });
    expect(
      normaliseObservation(input({ code: 'ALT', system: '99CITY' }), { sender: 'OTHERLAB^X', mappings }),
    ).toMatchObject({
      quality: 'unmapped',
      qualityReason: 'no LOINC mapping for 99CITY code ALT from OTHERLAB^X',
    });
    expect(normaliseObservation(input({ code: 'ALT', system: '99CITY' }))).toMatchObject({
      quality: 'unmapped',
      qualityReason: 'no LOINC mapping for 99CITY code ALT',
    });
  });

  it('a LOINC code (sent or mapped) the rules do not watch is not-watched', () => {
    expect(normaliseObservation(input({ code: '2951-2', unit: 'mmol/L' }))).toMatchObject({
      analyte: null,
      loinc: '2951-2',
      quality: 'not-watched',
      qualityReason: null,
    });
    expect(normaliseObservation(input({ code: 'NA', system: '99CITY' }), context)).toMatchObject({
      loinc: '2951-2',
      quality: 'not-watched',
    });
  });

  it('accepts the LOINC system names LN, LOINC and http://loinc.org', () => {
    for (const system of ['LN', 'LOINC', 'http://loinc.org']) {
      expect(normaliseObservation(input({ system })).analyte).toBe('platelets');
    }
  });

  it('HIV screening (nominal) keeps its text and needs no unit', () => {
    const table = createCodeMappingTable([
      { sender: SENDER, system: 'L', code: 'HIVAGAB', loinc: null, analyte: 'hiv-screen' },
    ]);
    expect(
      normaliseObservation(
        input({ code: 'HIVAGAB', system: 'L', valueType: 'CE', value: 'Negative', unit: null }),
        {
          sender: SENDER,
          mappings: table,
        },
      ),
    ).toMatchObject({ analyte: 'hiv-screen', loinc: null, text: 'Negative', quality: 'ok' });
  });
});
