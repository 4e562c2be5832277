import { csvField, toCsv } from './csv';

describe('CSV export', () => {
  it('leaves plain values alone and renders dates as ISO 8601', () => {
    expect(csvField('PLT-4')).toBe('PLT-4');
    expect(csvField(42)).toBe('42');
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(new Date('2026-11-22T07:50:00Z'))).toBe('2026-11-22T07:50:00.000Z');
  });

  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('cr\r\nlf')).toBe('"cr\r\nlf"');
  });

  it('defuses values a spreadsheet would run as formulas', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('+1+1')).toBe("'+1+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
  });

  it('defuses formulas behind leading white space and in full-width forms', () => {
    expect(csvField(' =1+1')).toBe("' =1+1");
    expect(csvField('\u00a0=1+1')).toBe("'\u00a0=1+1");
    expect(csvField('\u3000@SUM(A1)')).toBe("'\u3000@SUM(A1)");
    expect(csvField('\uFF1DHYPERLINK("http://x")')).toBe(`"'\uFF1DHYPERLINK(""http://x"")"`);
    expect(csvField('\uFF0B1')).toBe("'\uFF0B1");
    expect(csvField('\uFF0D1')).toBe("'\uFF0D1");
    expect(csvField('\uFF20cmd')).toBe("'\uFF20cmd");
    expect(csvField(' plain text')).toBe(' plain text');
  });

  it('writes objects as JSON', () => {
    expect(csvField({ before: { a: 1 } })).toBe('"{""before"":{""a"":1}}"');
  });

  it('writes a header and CRLF-terminated rows', () => {
    const csv = toCsv(
      [
        { header: 'id', value: (r: { id: number; note: string }) => r.id },
        { header: 'note', value: (r) => r.note },
      ],
      [
        { id: 1, note: 'ok' },
        { id: 2, note: 'has, comma' },
      ],
    );
    expect(csv).toBe('id,note\r\n1,ok\r\n2,"has, comma"\r\n');
  });
});
