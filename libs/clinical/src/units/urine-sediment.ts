import { normaliseText } from './result-text';

/**
 * Urine sediment findings as labs report them (clinical rules §2 RENAL-1: "RBC casts or dysmorphic RBCs at any
 * time → critical"). A microscopist reports what was seen in one of four shapes, and each is read here:
 *
 * 1. a count per field (`2` /LPF, `0-2` /HPF, a percentage of red cells): any count above 0 is "seen";
 * 2. a presence word or coded value (`Present`, `Few`, `Negative`, SNOMED CT `52101004` present);
 * 3. the name of the cast type under a "casts [type]" code (`RBC`, `Red cell`, `Hyaline, RBC`);
 * 4. free text (`Occasional RBC casts seen.`, `No red cell casts. Dysmorphic RBCs present.`), read clause by
 *    clause so that a negation ("no", "not seen", "none") applies only to what its clause names.
 *
 * Anything that cannot be read one way or the other is `unreadable`, never guessed: the rule engine then says so
 * (DQ-1) instead of passing a possible anti-GBM finding in silence.
 */

export type UrineFinding = 'rbc-casts' | 'dysmorphic-rbc';
export type FindingReading = 'present' | 'absent' | 'unreadable';
/** A free-text report may not speak of the finding at all. */
export type MentionReading = FindingReading | 'not-mentioned';

/** SNOMED CT qualifier values labs send as coded presence (CE/CWE with only the code). */
const SNOMED_PRESENT = new Set(['52101004', '10828004', '260373001']); // present, positive, detected
const SNOMED_ABSENT = new Set(['2667000', '260385009', '260415000']); // absent, negative, not detected

const PRESENT_WORDS = new Set([
  'present',
  'positive',
  'pos',
  'seen',
  'detected',
  'found',
  'yes',
  'few',
  'occasional',
  'occ',
  'rare',
  'some',
  'moderate',
  'mod',
  'many',
  'numerous',
  'plenty',
  '+',
  '++',
  '+++',
  '1+',
  '2+',
  '3+',
  '4+',
]);
const ABSENT_WORDS = new Set([
  'absent',
  'negative',
  'neg',
  'none',
  'none seen',
  'not seen',
  'not detected',
  'not present',
  'not found',
  'nil',
  'nil seen',
  'no',
  'not observed',
  '-',
]);

const NUMBER = String.raw`\d+(?:[.,]\d+)?`;
const COUNT = new RegExp(
  String.raw`^(<|<=|≤)?\s*(${NUMBER})(?:\s*(?:-|–|to)\s*(${NUMBER}))?\s*(?:\/?\s*\S*)?$`,
  'i',
);
const NEGATION = /\b(?:no|not|none|nil|negative|neg|absent|without)\b/i;

/** What names each finding in free text. Adjacent words only ("RBC casts", "dysmorphic red cells"). */
const MENTIONS: Readonly<Record<UrineFinding, RegExp>> = {
  'rbc-casts':
    /\b(?:rbc|red(?:[\s-]+blood)?[\s-]+cell|erythrocyte|erythrocytic)s?[\s-]*casts?\b|\bcasts?\s*(?:of|:|-)?\s*(?:rbc|red(?:[\s-]+blood)?[\s-]+cells?|erythrocytes?)\b/i,
  'dysmorphic-rbc': /\bdysmorph\w*|\bacanthocyt\w*|\bg1[\s-]*cells?\b/i,
};

/** A cast-type value that names red cell casts (`RBC`, `Red blood cell cast`, `Erythrocytic`). */
const RBC_CAST_TYPE =
  /^(?:rbc|red(?:[\s-]+blood)?[\s-]+cells?|red[\s-]+cell|erythrocytes?|erythrocytic)(?:[\s-]*casts?)?$/i;

/** A count or count range as text (`2`, `0-2`, `1-3/LPF`, `<1`): present when it can exceed 0. */
function countReading(text: string): FindingReading | null {
  const m = COUNT.exec(text.trim());
  if (!m) return null;
  const low = Number(m[2].replace(',', '.'));
  const high = m[3] === undefined ? low : Number(m[3].replace(',', '.'));
  if (m[1]) return high <= 0 ? 'absent' : 'unreadable'; // "<1": maybe none, maybe some
  return Math.max(low, high) > 0 ? 'present' : 'absent';
}

/** A count as a number (NM/SN): any count above 0 is seen; `<x` cannot tell whether it is 0. */
export function countFinding(value: number, comparator: string | null): FindingReading {
  if (!Number.isFinite(value) || value < 0) return 'unreadable';
  if (comparator === '<' || comparator === '<=') return value <= 0 ? 'absent' : 'unreadable';
  if (comparator === '>' || comparator === '>=') return 'present';
  return value > 0 ? 'present' : 'absent';
}

/**
 * A result of an analyte that IS the finding (red cell casts, dysmorphic red cells), given as text: a presence
 * word, a SNOMED CT qualifier code, a count, or a sentence about it.
 */
export function presenceFinding(text: string, finding: UrineFinding): FindingReading {
  const t = normaliseText(text);
  if (t === '') return 'unreadable';
  if (SNOMED_PRESENT.has(t) || PRESENT_WORDS.has(t)) return 'present';
  if (SNOMED_ABSENT.has(t) || ABSENT_WORDS.has(t)) return 'absent';
  const count = countReading(t);
  if (count) return count;
  const mention = mentionFinding(text, finding);
  if (mention !== 'not-mentioned') return mention;
  // "Seen: few" or "occasional seen": every word a presence word, or every word an absence word.
  const words = t.split(/[\s,:;/]+/).filter((w) => w !== '');
  if (words.length > 0 && words.every((w) => PRESENT_WORDS.has(w))) return 'present';
  if (words.length > 0 && words.every((w) => ABSENT_WORDS.has(w))) return 'absent';
  return 'unreadable';
}

/** The value of a "casts [type]" observation: a list of cast types, one of which may be red cell casts. */
export function castTypeFinding(text: string): FindingReading {
  const t = normaliseText(text);
  if (t === '') return 'unreadable';
  if (SNOMED_ABSENT.has(t) || ABSENT_WORDS.has(t)) return 'absent';
  const items = t
    .split(/\s*(?:[,;/&+\n]|\band\b)\s*/)
    .map((i) => i.trim())
    .filter((i) => i !== '');
  if (items.some((i) => RBC_CAST_TYPE.test(i))) return 'present';
  const mention = mentionFinding(text, 'rbc-casts');
  // Other cast types only (hyaline, granular, waxy): no red cell casts were reported.
  return mention === 'not-mentioned' ? 'absent' : mention;
}

/**
 * Free text read clause by clause (sentences, semicolons, commas, line breaks): a clause that names the finding
 * is negative when it carries a negation or a zero count, otherwise positive. Any positive clause wins: one
 * "RBC casts seen" among other remarks is a finding.
 */
export function mentionFinding(text: string, finding: UrineFinding): MentionReading {
  const pattern = MENTIONS[finding];
  const clauses = text
    .split(/[.;,\n]+/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  let mentioned = false;
  let present = false;
  for (const clause of clauses) {
    if (!pattern.test(clause)) continue;
    mentioned = true;
    if (NEGATION.test(clause)) continue;
    const numbers = [...clause.matchAll(new RegExp(NUMBER, 'g'))].map((m) => Number(m[0].replace(',', '.')));
    if (numbers.length > 0 && numbers.every((n) => n === 0)) continue;
    present = true;
  }
  if (!mentioned) return 'not-mentioned';
  return present ? 'present' : 'absent';
}
