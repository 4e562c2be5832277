/**
 * Dipstick grades as the rules compare them (clinical rules §2 UBLD-1, UPRO-2; §4.1 "dipstick results are
 * ordinal"): negative 0, trace 0.5, 1+ 1, 2+ 2, 3+ 3, 4+ 4. Words that some strips print (small, moderate,
 * large, positive) have no agreed grade and are not guessed.
 */
const GRADES: Readonly<Record<string, number>> = {
  negative: 0,
  neg: 0,
  nil: 0,
  '-': 0,
  '0': 0,
  trace: 0.5,
  tr: 0.5,
  '+-': 0.5,
  '+/-': 0.5,
  '±': 0.5,
  '1+': 1,
  '+': 1,
  '2+': 2,
  '++': 2,
  '3+': 3,
  '+++': 3,
  '4+': 4,
  '++++': 4,
};

/** The ordinal grade of a dipstick result text, or null when the text is not one of the known grades. */
export function dipstickGrade(text: string): number | null {
  const key = text.trim().toLowerCase().replace(/\s+/g, '');
  return GRADES[key] ?? null;
}
