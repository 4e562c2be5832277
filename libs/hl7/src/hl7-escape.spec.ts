import { STANDARD_ENCODING, type Hl7Encoding } from './hl7-encoding';
import { escapeHl7, unescapeHl7 } from './hl7-escape';

const custom: Hl7Encoding = { field: '#', component: '$', repetition: '*', escape: '%', subcomponent: '@' };

describe('unescapeHl7 (HL7 v2.5.1 §2.7)', () => {
  it.each([
    ['a\\F\\b', 'a|b'],
    ['a\\S\\b', 'a^b'],
    ['a\\T\\b', 'a&b'],
    ['a\\R\\b', 'a~b'],
    ['a\\E\\b', 'a\\b'],
    ['\\E\\F\\E\\', '\\F\\'],
    ['line\\X0D\\next', 'line\rnext'],
    ['\\X0D0A\\', '\r\n'],
    ['\\H\\bold\\N\\ text', 'bold text'],
    ['one\\.br\\two', 'one\ntwo'],
    ['one\\.sp2\\two', 'one\n\ntwo'],
    ['a\\.sk3\\b', 'a   b'],
    ['\\.ce\\centred', 'centred'],
    ['no escapes', 'no escapes'],
  ])('%j → %j', (text, expected) => {
    expect(unescapeHl7(text, STANDARD_ENCODING)).toBe(expected);
  });

  it('keeps unknown sequences and an unterminated escape verbatim', () => {
    expect(unescapeHl7('x\\Zlocal\\y', STANDARD_ENCODING)).toBe('x\\Zlocal\\y');
    expect(unescapeHl7('\\C2842\\text', STANDARD_ENCODING)).toBe('\\C2842\\text');
    expect(unescapeHl7('50\\ % open', STANDARD_ENCODING)).toBe('50\\ % open');
    expect(unescapeHl7('\\XZZ\\', STANDARD_ENCODING)).toBe('\\XZZ\\');
  });

  it('reads \\X..\\ bytes as UTF-8 when MSH-18 says so, else as Latin-1, and falls back on invalid UTF-8', () => {
    expect(unescapeHl7('H\\XC3A9\\molyse', STANDARD_ENCODING, 'utf-8')).toBe('Hémolyse');
    expect(unescapeHl7('H\\XE9\\molyse', STANDARD_ENCODING, 'latin1')).toBe('Hémolyse');
    expect(unescapeHl7('H\\XE9\\molyse', STANDARD_ENCODING, 'utf-8')).toBe('Hémolyse');
    expect(unescapeHl7('\\XB5\\g', STANDARD_ENCODING)).toBe('µg');
  });

  it('decodes a \\X..\\ sequence of any length without overflowing the stack (issue 12 item 10)', () => {
    const bytes = 400_000;
    const decoded = unescapeHl7(`\\X${'41'.repeat(bytes)}\\`, STANDARD_ENCODING);
    expect(decoded).toHaveLength(bytes);
    expect(decoded).toBe('A'.repeat(bytes));
    expect(unescapeHl7(`\\X${'e9'.repeat(bytes)}\\`, STANDARD_ENCODING, 'utf-8')).toBe('é'.repeat(bytes));
  });

  it('uses the message’s own escape character and delimiters', () => {
    expect(unescapeHl7('a%F%b%S%c%T%d%R%e%E%f', custom)).toBe('a#b$c@d*e%f');
    expect(unescapeHl7('a\\F\\b', custom)).toBe('a\\F\\b');
  });
});

describe('escapeHl7', () => {
  it('escapes delimiters and line breaks, and unescapes back to the same text', () => {
    const text = 'A|B^C&D~E\\F\r\nG';
    expect(escapeHl7(text, STANDARD_ENCODING)).toBe('A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F\\X0D\\\\X0A\\G');
    expect(unescapeHl7(escapeHl7(text, STANDARD_ENCODING), STANDARD_ENCODING)).toBe(text);
    expect(unescapeHl7(escapeHl7('a#b$c%d', custom), custom)).toBe('a#b$c%d');
  });
});
