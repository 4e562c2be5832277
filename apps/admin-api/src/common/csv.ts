/**
 * CSV for auditors' spreadsheets (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or
 * line break, quotes doubled). A field that a spreadsheet would read as a formula (starting with = + - @, tab
 * or carriage return, also after leading white space such as a space or NBSP, and in their full-width forms
 * ＝ ＋ － ＠, which spreadsheets fold to the ASCII ones) is prefixed with a single quote, so an exported value
 * can never run in Excel (OWASP "CSV injection").
 */
export interface CsvColumn<T> {
  header: string;
  value: (row: T) => unknown;
}

/** `\s` covers tab, CR, NBSP, the ideographic space and the BOM. */
const FORMULA_START = /^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  if (FORMULA_START.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
