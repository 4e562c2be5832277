import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
// Tests check every event against the real contract, the schema in @alem/events.
import { medicationAdministrationEventSchema } from '@alem/events';
import { buildAck } from './ack.builder';
import { INTERNAL_ERROR_REASON } from './hl7-message';
import { isPharmacyMessage, parsePharmacyMessage } from './pharmacy.parser';

/**
 * Property tests of the pharmacy parser (issue 18), as `oru-r01.property.spec.ts` does for results: whatever the
 * input, it returns (never throws, never says "internal error") within a time proportional to the input's size,
 * and every event it produces passes the medication-administration.v1 contract. Same knobs:
 * `HL7_PROPERTY_RUNS=20000 HL7_PROPERTY_SEED=$RANDOM npm run test:property`.
 */
const RUNS = Number(process.env.HL7_PROPERTY_RUNS ?? 150);
const SEED = Number(process.env.HL7_PROPERTY_SEED ?? 20261207);
const PARAMS = { numRuns: RUNS, seed: SEED, endOnFailure: true };
const timeBoundMs = (size: number) => 500 + size / 200;

const FIXTURES = join(__dirname, '../../../tests/fixtures/hl7');
const GOOD = [
  'ras-o17-v25-course1.hl7',
  'ras-o17-v25-correction.hl7',
  'rds-o13-v25-dispense.hl7',
  'rde-o11-v25-order.hl7',
].map((name) => readFileSync(join(FIXTURES, name), 'utf8'));

const token = fc.oneof(
  fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\x0b', '\x1c', '""', ' '),
  fc.constantFrom('\\F\\', '\\S\\', '\\X41\\', '\\XC3A9\\', '\\.br\\', '\\X'),
  fc.constantFrom('CP', 'PA', 'NA', 'RE', 'A', 'U', 'D', 'CA', 'DC', 'OC', 'RXNORM', 'RxNorm', 'RXN', 'MR'),
  fc.constantFrom('mg', 'g', 'ug', 'µg', 'mcg', 'mL', '999', '12', '0.012', '1e400', '-1', '.5'),
  fc.constantFrom(
    '20240304',
    '20240304091500-0500',
    '202403040915',
    '20240231',
    '2024',
    '99999999',
    '20240304+9999',
  ),
  fc.stringMatching(/^\d{0,40}(\.\d{0,5})?$/),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const field = fc.array(token, { maxLength: 6 }).map((parts) => parts.join(''));
const segment = fc
  .tuple(
    fc.constantFrom(
      'PID',
      'PV1',
      'ORC',
      'RXA',
      'RXA',
      'RXD',
      'RXE',
      'TQ1',
      'TQ1',
      'RXR',
      'MSH',
      'NTE',
      'rxa',
    ),
    fc.array(field, { maxLength: 24 }),
  )
  .map(([name, fields]) => [name, ...fields].join('|'));

const structured = fc
  .tuple(
    fc.constantFrom(...GOOD.map((text) => text.split('\r')[0]!)),
    fc.constantFrom('PID|1||4711^^^CITYHOSP^MR', 'PID|1||4711'),
    fc.array(segment, { maxLength: 40 }),
    fc.constantFrom('\r', '\n', '\r\n'),
  )
  .map(([msh, pid, segments, terminator]) => [msh, pid, ...segments].join(terminator));

const mutated = fc
  .tuple(
    fc.constantFrom(...GOOD),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), token), {
      minLength: 1,
      maxLength: 12,
    }),
  )
  .map(([good, edits]) => {
    let text = good;
    for (const [at, kind, piece] of edits) {
      const i = at % (text.length + 1);
      if (kind === 'replace') text = text.slice(0, i) + piece + text.slice(i + 1);
      else if (kind === 'insert') text = text.slice(0, i) + piece + text.slice(i);
      else text = text.slice(0, i) + text.slice(i + 1);
    }
    return text;
  });

const anyString = fc.oneof(
  fc.string({ maxLength: 2000 }),
  fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
);

/** Many ORC/RXA groups: a message near the administration limit stays fast. */
const large = fc.integer({ min: 100, max: 3000 }).map((times) => {
  const lines = GOOD[0]!.split('\r').filter((l) => l !== '');
  const group = lines.slice(3, 6).join('\r');
  return [...lines.slice(0, 3), ...Array.from({ length: times }, () => group)].join('\r');
});

function check(text: string): void {
  const started = performance.now();
  const parse = parsePharmacyMessage(text, {
    receivedAt: new Date('2024-03-12T09:00:00Z'),
    maxAdministrations: 5000,
  });
  expect(performance.now() - started).toBeLessThan(timeBoundMs(text.length));
  expect(typeof isPharmacyMessage(text)).toBe('boolean');
  if (!parse.ok) {
    expect(parse.reason).not.toBe(INTERNAL_ERROR_REASON);
    expect(buildAck(parse, parse.ackCode, parse.reason)).toMatch(/\rMSA./);
    return;
  }
  for (const event of parse.events) {
    expect(medicationAdministrationEventSchema.safeParse(event).error?.issues).toBeUndefined();
  }
  expect(parse.skipped).toBe(parse.refused.length);
  for (const refusal of parse.refused) {
    expect(refusal.patient.id).not.toBe('');
    expect(refusal.patient.authority).not.toBe('');
  }
}

describe('parsePharmacyMessage: properties (issue 18)', () => {
  it('arbitrary strings and bytes: never throws, answers in time', () => {
    fc.assert(fc.property(anyString, check), PARAMS);
  });

  it('messages made of pharmacy pieces: valid events only', () => {
    fc.assert(fc.property(structured, check), PARAMS);
  });

  it('mutated fixtures: valid events only', () => {
    fc.assert(fc.property(mutated, check), PARAMS);
  });

  it('large messages: time proportional to size', () => {
    fc.assert(fc.property(large, check), { ...PARAMS, numRuns: Math.max(5, Math.round(RUNS / 15)) });
  });
});
