import { type AnalyteId, analyteById } from '../analytes/analyte-catalogue';
import { addDays, type CalendarDay } from '../courses/calendar';

/** The sets of tests the monitoring schedule expects (`docs/clinical-rules.md` §3). */
export type TestGroupId = 'cbc' | 'creatinine' | 'urinalysis' | 'thyroid' | 'liver' | 'cd4' | 'upcr' | 'hiv';

/** One thing a complete sample must contain: any one of the listed analytes. */
export interface ComponentRequirement {
  id: string;
  anyOf: readonly AnalyteId[];
}

export interface TestGroup {
  id: TestGroupId;
  name: string;
  /** All of these must be resulted (within the completion window) for the group to count as received. */
  requires: readonly ComponentRequirement[];
  /** Members that are welcome but not required; alone they make the sample partial. */
  optional: readonly AnalyteId[];
  /** Panel (order) codes that name the group; the components are matched per analyte (OBX), not by panel. */
  panelLoinc: readonly string[];
  /** Why the group is defined this way. */
  note: string;
}

/**
 * The test groups. What counts as complete is a decision of this project ([P]) wherever §3 leaves it open:
 * - CBC with differential: platelets, haemoglobin, WBC and ANC. ANC is the differential marker (ANC-1 grades it);
 *   lymphocytes are welcome but not required, because lymphopenia is the drug's intended effect and raises no
 *   safety alert (LYM-1). A CBC without ANC is partial.
 * - Urinalysis with microscopy: urine RBC by microscopy (13945-1) and dipstick protein (5804-0). Microscopy is what
 *   the label asks for ("with urine cell counts"); protein is what UPRO-2 screens for glomerular disease. A
 *   dipstick-only urinalysis (5794-3 / 5804-0) is partial, and so is microscopy without protein.
 * - Liver tests: a transaminase (ALT or AST) and total bilirubin, the pair a Hy's-law style judgement needs.
 * - Thyroid: TSH; FT4 is optional.
 */
export const TEST_GROUPS: Readonly<Record<TestGroupId, TestGroup>> = {
  cbc: {
    id: 'cbc',
    name: 'CBC with differential',
    requires: [
      { id: 'platelets', anyOf: ['platelets'] },
      { id: 'haemoglobin', anyOf: ['haemoglobin'] },
      { id: 'wbc', anyOf: ['wbc'] },
      { id: 'neutrophils', anyOf: ['neutrophils'] },
    ],
    optional: ['lymphocytes'],
    panelLoinc: ['58410-2', '57021-8'],
    note: 'Platelets, haemoglobin, WBC and ANC (the differential); without ANC the CBC is partial.',
  },
  creatinine: {
    id: 'creatinine',
    name: 'Serum creatinine',
    requires: [{ id: 'creatinine', anyOf: ['creatinine'] }],
    optional: [],
    panelLoinc: [],
    note: 'Creatinine by mass or molar concentration.',
  },
  urinalysis: {
    id: 'urinalysis',
    name: 'Urinalysis with microscopy',
    requires: [
      { id: 'urine-rbc-microscopy', anyOf: ['urine-rbc'] },
      { id: 'urine-protein', anyOf: ['urine-protein-dipstick'] },
    ],
    optional: ['urine-blood-dipstick'],
    panelLoinc: ['24356-8'],
    note: 'Urine RBC by microscopy and dipstick protein; a dipstick-only urinalysis is partial.',
  },
  thyroid: {
    id: 'thyroid',
    name: 'Thyroid function',
    requires: [{ id: 'tsh', anyOf: ['tsh'] }],
    optional: ['ft4'],
    panelLoinc: [],
    note: 'TSH; FT4 optional.',
  },
  liver: {
    id: 'liver',
    name: 'Liver tests',
    requires: [
      { id: 'transaminase', anyOf: ['alt', 'ast'] },
      { id: 'bilirubin', anyOf: ['bilirubin'] },
    ],
    optional: [],
    panelLoinc: [],
    note: 'ALT or AST, and total bilirubin.',
  },
  cd4: {
    id: 'cd4',
    name: 'CD4 count',
    requires: [{ id: 'cd4', anyOf: ['cd4'] }],
    optional: [],
    panelLoinc: [],
    note: 'Absolute CD4 count; the percentage alone does not answer the ≥200/µL question.',
  },
  upcr: {
    id: 'upcr',
    name: 'Urine protein/creatinine ratio',
    requires: [{ id: 'upcr', anyOf: ['upcr'] }],
    optional: [],
    panelLoinc: [],
    note: 'UPCR before the first course.',
  },
  hiv: {
    id: 'hiv',
    name: 'HIV screening',
    requires: [{ id: 'hiv-screen', anyOf: ['hiv-screen'] }],
    optional: [],
    panelLoinc: [],
    note: 'Any HIV screening result (a site code mapped per sender); a positive one is rule HIV-1.',
  },
};

/** The group as a site configures it (an automated urine RBC count may stand in for microscopy). */
export function testGroupForSite(
  id: TestGroupId,
  options: { urinalysisAcceptsAutomatedRbc: boolean },
): TestGroup {
  const group = TEST_GROUPS[id];
  if (id !== 'urinalysis' || !options.urinalysisAcceptsAutomatedRbc) return group;
  return {
    ...group,
    requires: group.requires.map((r) =>
      r.id === 'urine-rbc-microscopy' ? { ...r, anyOf: [...r.anyOf, 'urine-rbc-automated'] } : r,
    ),
  };
}

const membersOf = new WeakMap<TestGroup, readonly AnalyteId[]>();

/** Every analyte that belongs to a group, required or optional. */
export function testGroupMembers(group: TestGroup): AnalyteId[] {
  let members = membersOf.get(group);
  if (!members) {
    members = [...new Set([...group.requires.flatMap((r) => r.anyOf), ...group.optional])];
    membersOf.set(group, members);
  }
  return [...members];
}

/** The LOINC codes that identify a group's members (from the analyte catalogue) and its panels. */
export function testGroupLoinc(group: TestGroup): string[] {
  return [...new Set([...group.panelLoinc, ...testGroupMembers(group).flatMap((a) => analyteById(a).loinc)])];
}

/** One received analyte on a calendar day of the site's zone. */
export interface AnalyteDay {
  analyte: AnalyteId;
  day: CalendarDay;
}

/**
 * The days on which the group became complete: a day D on which a required component was resulted and every
 * requirement has a result in [D − (windowDays − 1), D]. Ascending.
 */
export function completionDays(
  group: TestGroup,
  received: readonly AnalyteDay[],
  windowDays: number,
): CalendarDay[] {
  const required = new Set(group.requires.flatMap((r) => r.anyOf));
  // Epoch-day numbers: the window test is then a handful of set lookups per candidate day.
  const daysOf = new Map<AnalyteId, Set<number>>();
  const candidates = new Map<number, CalendarDay>();
  for (const r of received) {
    if (!required.has(r.analyte)) continue;
    const n = epochDay(r.day);
    let set = daysOf.get(r.analyte);
    if (!set) daysOf.set(r.analyte, (set = new Set()));
    set.add(n);
    candidates.set(n, r.day);
  }
  const within = (a: AnalyteId, n: number) => {
    const set = daysOf.get(a);
    if (!set) return false;
    for (let i = 0; i < windowDays; i++) if (set.has(n - i)) return true;
    return false;
  };
  return [...candidates.keys()]
    .sort((a, b) => a - b)
    .filter((n) => group.requires.every((req) => req.anyOf.some((a) => within(a, n))))
    .map((n) => candidates.get(n)!);
}

function epochDay(day: CalendarDay): number {
  return Math.round(Date.parse(day) / 86_400_000);
}

/** What arrived of a group after its last complete sample. */
export interface SlotProgress {
  /** Requirement ids (and optional analytes) in the latest sample of the slot. */
  received: string[];
  /** Requirement ids the latest sample lacks. */
  missing: string[];
  /** Day the first component of the slot arrived; null when nothing did. */
  firstDay: CalendarDay | null;
  /** Day the latest component of the slot arrived; null when nothing did. */
  latestDay: CalendarDay | null;
}

/**
 * Components of the group received on days after `after` (all days when null) up to `upTo`. What the latest
 * sample has and lacks is judged on the completion window that ends on the latest day, so a platelet count on
 * day 5 and an ANC on day 20 read as "the day-20 sample lacks platelets, haemoglobin and WBC".
 */
export function slotProgress(
  group: TestGroup,
  received: readonly AnalyteDay[],
  after: CalendarDay | null,
  upTo: CalendarDay,
  windowDays: number,
): SlotProgress {
  const members = new Set(testGroupMembers(group));
  const inSlot = received
    .filter((r) => members.has(r.analyte) && (after === null || r.day > after) && r.day <= upTo)
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  if (inSlot.length === 0)
    return { received: [], missing: group.requires.map((r) => r.id), firstDay: null, latestDay: null };
  const latestDay = inSlot[inSlot.length - 1]!.day;
  const from = addDays(latestDay, -(windowDays - 1));
  const analytes = new Set(inSlot.filter((r) => r.day >= from).map((r) => r.analyte));
  const met = group.requires.filter((req) => req.anyOf.some((a) => analytes.has(a)));
  return {
    received: [...met.map((r) => r.id), ...group.optional.filter((a) => analytes.has(a))],
    missing: group.requires.filter((req) => !met.includes(req)).map((r) => r.id),
    firstDay: inSlot[0]!.day,
    latestDay,
  };
}
