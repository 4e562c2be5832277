import { dDimerBasisOfLoinc, splitDDimerBasis } from './d-dimer-basis';

describe('D-dimer basis (§4.2)', () => {
  it.each([
    ['ng/mL', 'ng/mL', null],
    ['ug/mL FEU', 'ug/mL', 'FEU'],
    ['mg/L{FEU}', 'mg/L', 'FEU'],
    ['mg/L {feu}', 'mg/L', 'FEU'],
    ['ng/mL (DDU)', 'ng/mL', 'DDU'],
    ['ng/mL DDU', 'ng/mL', 'DDU'],
    ['FEU', '', 'FEU'],
    ['ug/mL FEU DDU', 'ug/mL', 'conflict'],
    ['ng/mLFEU', 'ng/mLFEU', null],
  ])('%j → unit %j, basis %s', (text, unit, basis) => {
    expect(splitDDimerBasis(text)).toEqual({ unit, basis });
  });

  it.each([
    ['48065-7', 'FEU'],
    ['48067-3', 'FEU'],
    ['71427-9', 'FEU'],
    ['48066-5', 'DDU'],
    ['48058-2', 'DDU'],
    ['91556-1', 'DDU'],
    ['7799-0', null],
    ['3246-6', null],
    [null, null],
  ])('LOINC %s → %s', (loinc, basis) => {
    expect(dDimerBasisOfLoinc(loinc)).toBe(basis);
  });
});
