import fc from 'fast-check';
// Tests check every event against the real contract, the schema in @alem/events.
import { labResultEventSchema } from '@alem/events';
import { buildAck } from './ack.builder';
import { parseOruR01 } from './oru-r01.parser';

/**
 * Property tests of the parser and the ACK builder (issue 12): for any input up to 1 MiB they return within a
 * time proportional to its size and never throw, and every event they produce passes the lab-result.v1 contract
 * with a finite value and a patient identity.
 *
 * `npm test` runs them with a fixed seed and a modest number of runs; a longer search is one command:
 * `HL7_PROPERTY_RUNS=20000 HL7_PROPERTY_SEED=$RANDOM npm run test:property`.
 */
const RUNS = Number(process.env.HL7_PROPERTY_RUNS ?? 150);
const SEED = Number(process.env.HL7_PROPERTY_SEED ?? 20261207);
const MAX_BYTES = 1 << 20;

const PARAMS = { numRuns: RUNS, seed: SEED, endOnFailure: true };

/** Generous enough for a loaded CI machine; a quadratic parser misses it by orders of magnitude at 1 MiB. */
const timeBoundMs = (size: number) => 500 + size / 200;

const MSH = 'MSH|^~\\&|LIS|LAB|ALEM|SAFETY|20261120081500+0100||ORU^R01^ORU_R01|P-1|P|2.5.1';
const VALID = [
  MSH,
  'PID|1||MRN1^^^HOSP&2.16.840.1.113883.19.5&ISO^MR',
  'OBR|1|PL-1|FL-1|58410-2^CBC^LN|||20261120074500+0100',
  'OBX|1|NM|777-3^Platelets^LN||42|10*9/L|150-400|L|||F|||20261120074500+0100',
  'OBX|2|SN|751-8^Neutrophils^LN||<^0.5|10*9/L|1.8-7.7|LL|||F',
  'OBX|3|ST|2160-0^Creatinine^LN||<25|umol/L|45-84||||P',
  'OBX|4|TX|11529-5^Comment^LN||line\\.br\\two \\X41\\||||||F',
].join('\r');

/** Pieces of HL7 as labs (and attackers) write them: delimiters, escapes, numbers, comparators, odd text. */
const token = fc.oneof(
  fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\x0b', '\x1c', '""', ' '),
  fc.constantFrom(
    '\\F\\',
    '\\S\\',
    '\\T\\',
    '\\R\\',
    '\\E\\',
    '\\X41\\',
    '\\XC3A9\\',
    '\\.br\\',
    '\\.sp 99\\',
    '\\X',
  ),
  fc.constantFrom('NM', 'SN', 'ST', 'TX', 'CE', 'CWE', 'F', 'C', 'D', 'W', 'P', 'X', 'LN', 'L', 'MR', 'ISO'),
  fc.constantFrom('<', '>', '<=', '>=', '=', '-', '+', ':', '/', '.', '#2'),
  fc.constantFrom('777-3', '751-8', '2160-0', '10*9/L', 'mg/dL', '150-400', '20261120074500+0100', '2026'),
  fc.stringMatching(/^[+-]?\d{0,400}(\.\d{0,5})?$/),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

const field = fc.array(token, { maxLength: 6 }).map((parts) => parts.join(''));

const segment = fc
  .tuple(
    fc.constantFrom('PID', 'OBR', 'OBX', 'OBX', 'OBX', 'ORC', 'NTE', 'SPM', 'ZXY', 'MSH', 'PV1', 'obx', 'OB'),
    fc.array(field, { maxLength: 20 }),
  )
  .map(([name, fields]) => [name, ...fields].join('|'));

/** A message shaped like an ORU: a real MSH (or a mangled one), then segments made of HL7 pieces. */
const structured = fc
  .tuple(
    fc.oneof(
      fc.constant(MSH),
      fc.string({ maxLength: 80 }).map((tail) => `MSH|^~\\&|${tail}`),
    ),
    fc.array(segment, { maxLength: 40 }),
    fc.constantFrom('\r', '\n', '\r\n'),
  )
  .map(([msh, segments, terminator]) => [msh, ...segments].join(terminator));

/** A good message with characters replaced, inserted or deleted: what a broken interface engine sends. */
const mutated = fc
  .array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), token), {
    minLength: 1,
    maxLength: 12,
  })
  .map((edits) => {
    let text = VALID;
    for (const [at, kind, piece] of edits) {
      const i = at % (text.length + 1);
      if (kind === 'replace') text = text.slice(0, i) + piece + text.slice(i + 1);
      else if (kind === 'insert') text = text.slice(0, i) + piece + text.slice(i);
      else text = text.slice(0, i) + text.slice(i + 1);
    }
    return text;
  });

/** Large inputs up to 1 MiB: one generated segment (or a long escape) repeated. */
const large = fc
  .tuple(fc.oneof(segment, fc.constant(VALID.split('\r')[3]!), token), fc.integer({ min: 1000, max: 60_000 }))
  .map(([piece, times]) => {
    const body = Array.from({ length: times }, () => piece).join('\r');
    return `${VALID.split('\r').slice(0, 3).join('\r')}\r${body}`.slice(0, MAX_BYTES);
  });

const anyBytes = fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes).toString('utf8'));

function checkParse(text: string): void {
  const started = performance.now();
  const parse = parseOruR01(text, { receivedAt: new Date('2026-11-20T09:00:00Z'), maxObservations: 100_000 });
  const elapsed = performance.now() - started;
  expect(elapsed).toBeLessThan(timeBoundMs(text.length));
  // The parser catches what it throws and says "internal error": that too is a bug these properties look for.
  if (!parse.ok) expect(parse.reason).not.toBe('internal error while parsing the message');
  if (parse.ok) {
    for (const event of parse.events) {
      expect(labResultEventSchema.safeParse(event).error?.issues).toBeUndefined();
      if (typeof event.value === 'number') expect(Number.isFinite(event.value)).toBe(true);
      expect(event.patient.id).not.toBe('');
      expect(event.patient.authority).not.toBe('');
    }
  }
  const ackStarted = performance.now();
  const ack = parse.ok ? buildAck(parse.header, 'AA') : buildAck(parse, parse.ackCode, parse.reason);
  const fromRaw = buildAck(text, 'AR', 'internal error; send the message again');
  expect(performance.now() - ackStarted).toBeLessThan(timeBoundMs(text.length));
  for (const answer of [ack, fromRaw]) {
    expect(answer).toMatch(/^MSH\S/);
    expect(answer).toMatch(/\rMSA./);
  }
}

describe('parseOruR01 and buildAck: properties (issue 12)', () => {
  it('any byte string: never throws, answers in time', () => {
    fc.assert(fc.property(anyBytes, checkParse), PARAMS);
  });

  it('messages made of HL7 pieces: valid events only, in time, always an ACK', () => {
    fc.assert(fc.property(structured, checkParse), PARAMS);
  });

  it('mutated good messages: valid events only, in time, always an ACK', () => {
    fc.assert(fc.property(mutated, checkParse), PARAMS);
  });

  it('large messages up to 1 MiB: time proportional to size', () => {
    fc.assert(fc.property(large, checkParse), { ...PARAMS, numRuns: Math.max(5, Math.round(RUNS / 15)) });
  });
});
