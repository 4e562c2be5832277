import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hl7Message } from '@medplum/core';
import { buildAck } from './ack.builder';
import { parseOruR01 } from './oru-r01.parser';

const FIXTURES = join(__dirname, '../../../tests/fixtures/hl7');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const now = new Date('2024-03-12T08:15:31Z');
const segments = (ack: string) => ack.split('\r');

describe('buildAck (original mode)', () => {
  it('cuts MSA-3 to 80 characters after escaping, never inside an escape sequence (issue 12 item 11)', () => {
    const ack = buildAck('MSH|^~\\&|LAB|FAC|||20240312||ORU^R01|C1|P|2.5.1', 'AE', '^'.repeat(80), { now });
    const msa = segments(ack)[1]!.split('|');
    expect(msa[3]).toBe('\\S\\'.repeat(26));
    expect(msa[3]!.length).toBeLessThanOrEqual(80);
  });

  it('answers senders named by hierarchic designator with their components (issue 12 item 6)', () => {
    const parse = parseOruR01(
      'MSH|^~\\&|ELR^2.16.840.1.114222^ISO|^05D0000000^CLIA|||20240312||ORU^R01|C1|P|2.5.1\r' +
        'PID|1||1^^^H^MR\rOBR|1||F1|x^y^LN|||20240312\rOBX|1|NM|777-3^P^LN||5|10*9/L|||||F',
    );
    if (!parse.ok) throw new Error(parse.reason);
    const msh = segments(buildAck(parse.header, 'AA', undefined, { now }))[0]!.split('|');
    expect(msh.slice(4, 6)).toEqual(['ELR^2.16.840.1.114222^ISO', '^05D0000000^CLIA']);
  });

  it('never throws: a message whose MSH cannot even be escaped still gets an answer (issue 12 item 10)', () => {
    const hostile = `MSH|^~\\&|\\X${'41'.repeat(200_000)}\\|FAC|||20240312||ORU^R01|C1|P|2.5.1`;
    const ack = buildAck(hostile, 'AR', 'internal error; send the message again', { now });
    expect(segments(ack)[1]).toMatch(/^MSA\|AR\|C1\|/);
    // Inputs of the wrong shape entirely (a caller's bug) still produce an ACK, never an exception.
    expect(buildAck(null as unknown as string, 'AR')).toMatch(/^MSH\|/);
    expect(buildAck({ encoding: {} } as never, 'AE', 'x')).toMatch(/MSA\|AE/);
  });

  it('AA from a parsed header: MSH addressed back to the sender, MSA-2 echoes MSH-10', () => {
    const parse = parseOruR01(fixture('oru-r01-v251-cbc-chemistry.hl7'));
    if (!parse.ok) throw new Error(parse.reason);
    expect(segments(buildAck(parse.header, 'AA', undefined, { now }))).toEqual([
      'MSH|^~\\&|ALEMALERT|SAFETY|LABSYS|CITYLAB|20240312081531+0000||ACK^R01^ACK|ACKMSG-0001|P|2.5.1',
      'MSA|AA|MSG-0001',
    ]);
  });

  it('AE from a parse failure (v2.5.1): reason in MSA-3 and ERR-8, table 0357 code in ERR-3', () => {
    const parse = parseOruR01(fixture('oru-r01-missing-pid3.hl7'));
    if (parse.ok) throw new Error('expected a failure');
    expect(segments(buildAck(parse, parse.ackCode, parse.reason, { now }))).toEqual([
      'MSH|^~\\&|ALEMALERT|SAFETY|LABSYS|CITYLAB|20240312081531+0000||ACK^R01^ACK|ACKMSG-0201|P|2.5.1',
      'MSA|AE|MSG-0201|PID-3 patient identifier is missing',
      'ERR|||101^Required field missing^HL70357|E||||PID-3 patient identifier is missing',
    ]);
  });

  it('AR from the raw text of a message that is not an ORU: trigger event mirrored, error code from options', () => {
    const ack = buildAck(fixture('adt-a01.hl7'), 'AR', 'unsupported message type ADT^A01', {
      now,
      errorCode: '200',
      controlId: 'OUR-1',
    });
    expect(segments(ack)).toEqual([
      'MSH|^~\\&|ALEMALERT|SAFETY|ADTSYS|CITYHOSP|20240312081531+0000||ACK^A01^ACK|OUR-1|P|2.5.1',
      'MSA|AR|ADT-5521|unsupported message type ADT\\S\\A01',
      'ERR|||200^Unsupported message type^HL70357|E||||unsupported message type ADT\\S\\A01',
    ]);
  });

  it('v2.3: two-component message type and the reason in ERR-1 (ELD), delimiters escaped', () => {
    const ack = buildAck(fixture('oru-r01-v23-urinalysis.hl7'), 'AE', 'bad | value ^ here', { now });
    expect(segments(ack)).toEqual([
      'MSH|^~\\&|ALEMALERT|SAFETY|UROLAB|NORTHCLINIC|20240312081531+0000||ACK^R01|ACKUA-20240315-07|P|2.3',
      'MSA|AE|UA-20240315-07|bad \\F\\ value \\S\\ here',
      'ERR|^^^207&bad \\F\\ value \\S\\ here&HL70357',
    ]);
  });

  it('answers in the sender’s own encoding characters', () => {
    const ack = buildAck(fixture('oru-r01-v251-custom-encoding.hl7'), 'AE', 'a#b', { now });
    expect(segments(ack)).toEqual([
      'MSH#$*%@#ALEMALERT#SAFETY#LABSYS#CITYLAB#20240312081531+0000##ACK$R01$ACK#ACKCUST-42#P#2.5.1',
      'MSA#AE#CUST-42#a%F%b',
      'ERR###207$Application internal error$HL70357#E####a%F%b',
    ]);
  });

  it('still answers text that is not HL7 (empty MSA-2), using our own identity from the options', () => {
    const ack = buildAck('garbage', 'AE', 'not an HL7 v2 message', {
      now,
      controlId: 'OUR-2',
      receiver: { application: 'ALEMALERT', facility: 'SAFETY' },
    });
    expect(segments(ack)).toEqual([
      'MSH|^~\\&|ALEMALERT|SAFETY|||20240312081531+0000||ACK|OUR-2|P|2.5.1',
      'MSA|AE||not an HL7 v2 message',
      'ERR|||207^Application internal error^HL70357|E||||not an HL7 v2 message',
    ]);
  });

  it('reads only MSH from raw text, so a message broken further down is still answered', () => {
    const broken = `${fixture('oru-r01-truncated.hl7')}\rnot a segment`;
    expect(segments(buildAck(broken, 'AE', undefined, { now }))[1]).toBe(
      'MSA|AE|MSG-0203|Message not accepted',
    );
  });

  it('echoes the processing id, cuts long text to 80 characters, and parses back with Medplum', () => {
    const original = {
      controlId: 'C-9',
      sender: { application: 'LAB', facility: 'FAC' },
      version: '2.4',
      messageType: 'ORU^R01',
      processingId: 'T',
    };
    const ack = buildAck(original, 'AR', 'x'.repeat(120), { now });
    const parsed = Hl7Message.parse(ack);
    expect(parsed.getSegment('MSH')?.getField(11).toString()).toBe('T');
    expect(parsed.getSegment('MSA')?.getField(2).toString()).toBe('C-9');
    expect(parsed.getSegment('MSA')?.getField(3).toString()).toBe('x'.repeat(80));
    expect(parsed.getSegment('ERR')?.getField(1).toString()).toBe(`^^^207&${'x'.repeat(80)}&HL70357`);
  });

  it('stamps MSH-7 with the current time when none is given', () => {
    const before = Date.now();
    const ack = buildAck({ controlId: 'C-1' }, 'AA');
    const stamp = /^MSH\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|(\d{14})\+0000\|/.exec(ack)?.[1] ?? '';
    const t = Date.UTC(
      +stamp.slice(0, 4),
      +stamp.slice(4, 6) - 1,
      +stamp.slice(6, 8),
      +stamp.slice(8, 10),
      +stamp.slice(10, 12),
      +stamp.slice(12, 14),
    );
    expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
