import { ANALYTES, analyteById } from '../analytes/analyte-catalogue';
import { ANALYTE_UNITS } from './analyte-units';
import { isUcum, ucumFactor } from './ucum';
import { tidyUnitText, ucumCodeForUnitText } from './unit-aliases';
import { unitConversion } from './unit-conversion';

describe('analyte unit table (clinical rules §4.1)', () => {
  const quantitative = ANALYTES.filter((a) => a.scale === 'quantitative');

  it.each(quantitative.map((a) => [a.id]))('%s has a unit table whose canonical unit converts ×1', (id) => {
    const analyte = analyteById(id);
    expect(ANALYTE_UNITS[id]).toBeDefined();
    expect(unitConversion(analyte, analyte.canonicalUnit!)).toMatchObject({ ok: true, factor: 1 });
  });

  const accepted = Object.entries(ANALYTE_UNITS).flatMap(([id, spec]) =>
    (spec?.accepted ?? []).map((a) => [id, a.unit, a.factor ?? null] as const),
  );

  it.each(accepted)(
    '%s: %s is valid UCUM and has a factor (explicit %p, else from UCUM)',
    (id, unit, explicit) => {
      expect(isUcum(unit)).toBe(true);
      const conversion = unitConversion(analyteById(id as never), unit);
      expect(conversion.ok).toBe(true);
      if (!conversion.ok) return;
      // An explicit factor is only there because UCUM cannot convert; where it can, they must agree.
      const canonical = analyteById(id as never).canonicalUnit!;
      // UCUM refuses even identity conversions of arbitrary units ([IU]); the canonical unit itself is ×1.
      const ucum = unit === canonical ? 1 : ucumFactor(unit, canonical);
      if (explicit !== null && ucum !== null) expect(explicit).toBeCloseTo(ucum, 12);
      expect(conversion.factor).toBe(explicit ?? ucum);
    },
  );

  it('UCUM supplies the plain scaling factors', () => {
    expect(ucumFactor('/uL', '10*9/L')).toBe(0.001);
    expect(ucumFactor('ukat/L', 'U/L')).toBe(60);
    expect(ucumFactor('mg/dL', 'g/L')).toBe(0.01);
    expect(ucumFactor('g/g', 'mg/g')).toBe(1000);
    // …and refuses what needs chemistry or convention.
    expect(ucumFactor('umol/L', 'mg/dL')).toBeNull();
    expect(ucumFactor('[IU]/L', 'U/L')).toBeNull();
    expect(ucumFactor('IU/L', '[IU]/L')).toBeNull();
  });
});

describe('unit text → UCUM code', () => {
  it.each([
    ['G/L', '10*9/L'],
    ['g/l', 'g/L'],
    ['G/l', 'g/L'],
    ['K/µL', '10*3/uL'],
    ['k/ul', '10*3/uL'],
    ['x10E3/uL', '10*3/uL'],
    [' x 10^9 /L ', '10*9/L'],
    ['×10^9/L', '10*9/L'],
    ['mill/mm3', '10*6/uL'],
    ['cells/µL', '/uL'],
    ['/cumm', '/mm3'],
    ['RBC/HPF', '/[HPF]'],
    ['/hpf', '/[HPF]'],
    ['MG/DL', 'mg/dL'],
    ['mg/dl', 'mg/dL'],
    ['mg/dL', 'mg/dL'],
    ['µmol/L', 'umol/L'],
    ['μmol/L', 'umol/L'],
    ['mcg/mL', 'ug/mL'],
    ['mcmol/L', 'umol/L'],
    ['IU/L', '[IU]/L'],
    ['uIU/mL', 'u[IU]/mL'],
    ['mIU/L', 'm[IU]/L'],
    ['IU/dL', '[IU]/dL'],
    ['BU/mL', "[beth'U]/mL"],
    ['sec', 's'],
    ['Seconds', 's'],
    ['%', '%'],
    ['furlongs', 'furlongs'],
  ])('%j → %s', (text, code) => {
    expect(ucumCodeForUnitText(text)).toBe(code);
  });

  it('tidies white space, micro signs and multiplication signs', () => {
    expect(tidyUnitText(' µg / mL ')).toBe('ug/mL');
    expect(tidyUnitText('× 10^3/μL')).toBe('x10^3/uL');
  });
});

describe('unitConversion', () => {
  it('gives the same answer from its cache', () => {
    const platelets = analyteById('platelets');
    const first = unitConversion(platelets, 'cells/uL');
    expect(unitConversion(platelets, 'cells/uL')).toEqual(first);
    expect(first).toMatchObject({ ok: true, factor: 0.001, unit: '/uL' });
  });
});
