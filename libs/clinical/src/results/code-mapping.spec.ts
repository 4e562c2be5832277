import { createCodeMappingTable, senderKey, type CodeMapping } from './code-mapping';

const row: CodeMapping = { sender: 'LABSYS^CITYLAB', system: '99CITY', code: 'ALT', loinc: '1742-6' };

describe('code mapping table', () => {
  it('finds rows by exact sender, system and code', () => {
    const table = createCodeMappingTable([row, { ...row, code: 'AST', loinc: '1920-8' }]);
    expect(table.size).toBe(2);
    expect(table.find('LABSYS^CITYLAB', '99CITY', 'ALT')).toBe(row);
    expect(table.find('LABSYS^CITYLAB', '99CITY', 'alt')).toBeUndefined();
    expect(table.find('LABSYS^OTHER', '99CITY', 'ALT')).toBeUndefined();
    expect(table.find('LABSYS^CITYLAB', 'L', 'ALT')).toBeUndefined();
  });

  it('builds the sender key the processor uses: MSH-3^MSH-4', () => {
    expect(senderKey({ application: 'LABSYS', facility: 'CITYLAB' })).toBe('LABSYS^CITYLAB');
  });

  it.each([
    [[row, { ...row }], 'code mapping LABSYS^CITYLAB 99CITY ALT: mapped twice'],
    [[{ ...row, sender: '' }], 'code mapping  99CITY ALT: sender, system and code are required'],
    [[{ ...row, loinc: null }], 'code mapping LABSYS^CITYLAB 99CITY ALT: needs a LOINC code or an analyte'],
    [
      [{ ...row, analyte: 'ast' as const }],
      'code mapping LABSYS^CITYLAB 99CITY ALT: LOINC 1742-6 is alt, not ast',
    ],
    [[{ ...row, analyte: 'nope' as never }], 'code mapping LABSYS^CITYLAB 99CITY ALT: unknown analyte nope'],
    [[{ ...row, unit: ' ' }], 'code mapping LABSYS^CITYLAB 99CITY ALT: unit is empty'],
  ])('refuses bad configuration %#: %s', (rows, message) => {
    expect(() => createCodeMappingTable(rows)).toThrow(message);
  });

  it('accepts an analyte with a LOINC code outside the catalogue', () => {
    const table = createCodeMappingTable([
      { ...row, code: 'RBC', loinc: '99999-9', analyte: 'urine-rbc-automated' },
    ]);
    expect(table.size).toBe(1);
  });
});
