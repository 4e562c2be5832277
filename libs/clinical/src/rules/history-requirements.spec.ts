import { isUsableResult } from '../context/result-usability';
import { type RuleInputResult } from './evaluation-input';
import {
  historyAnalytes,
  historyLatestPerAnalyte,
  historyBaselineAnalytes,
  historyLookbackDays,
  type HistoryWindow,
  historyWindowFor,
  historyWindowsFor,
  standInsFor,
} from './history-requirements';
import { defaultRuleSets } from './rule-set.loader';
import { applySiteOverrides } from './rule-set.overrides';
import { COURSE_1, COURSE_2, evaluate, lab, patient } from './testing/rule-fixtures';

const ms = () => defaultRuleSets().MS;

/** What the integrator's single SQL query returns for a window, simulated on an in-memory history. */
function query(history: readonly RuleInputResult[], window: HistoryWindow): RuleInputResult[] {
  const wanted = history.filter((r) => r.analyte !== null && window.analytes.includes(r.analyte));
  const recent = wanted.filter((r) => r.observedAt >= window.since);
  const baselineRows = wanted.filter(
    (r) => isUsableResult(r) && window.baselineAnalytes.includes(r.analyte!),
  );
  const inBaseline = baselineRows.filter((r) =>
    window.baselineWindows.some((w) => r.observedAt >= w.from && r.observedAt < w.to),
  );
  const before = new Map<string, RuleInputResult[]>();
  for (const r of wanted.filter(
    (x) => x.observedAt < window.since && isUsableResult(x) && window.latestAnalytes.includes(x.analyte!),
  )) {
    before.set(r.analyte!, [...(before.get(r.analyte!) ?? []), r]);
  }
  const latest = [...before.values()].flatMap((list) =>
    list.sort((a, b) => b.observedAt.getTime() - a.observedAt.getTime()).slice(0, window.latestPerAnalyte),
  );
  const first = [...new Set([...recent, ...inBaseline, ...latest])];
  // The second read, only for the baselines the first did not find.
  const standIns = standInsFor(window, first).flatMap((s) =>
    baselineRows.filter(
      (r) =>
        r.analyte !== null && s.analytes.includes(r.analyte) && r.observedAt >= s.from && r.observedAt < s.to,
    ),
  );
  return [...new Set([...first, ...standIns])];
}

describe('history requirements (one bounded query per batch)', () => {
  it('reads every analyte the MS rules use, looks back 7 days and one earlier value per analyte', () => {
    expect(historyLookbackDays(ms())).toBe(7);
    expect(historyLatestPerAnalyte(ms())).toBe(1);
    expect(historyAnalytes(ms())).toEqual(
      expect.arrayContaining([
        'platelets',
        'creatinine',
        'urine-rbc',
        'upcr',
        'alp',
        'pt',
        'inr',
        'ft4',
        'd-dimer',
        'hiv-screen',
      ]),
    );
    expect(historyAnalytes(ms())).not.toContain('cd4-percent');
    expect(historyAnalytes(defaultRuleSets().CLL)).toEqual(
      [
        'alp',
        'alt',
        'aptt',
        'ast',
        'bilirubin',
        'cd4',
        'creatinine',
        'd-dimer',
        'factor-viii',
        'factor-viii-inhibitor',
        'ferritin',
        'fibrinogen',
        'ft3',
        'ft4',
        'haemoglobin',
        'il-6',
        'inr',
        'neutrophils',
        'platelets',
        'pt',
        'scd25',
        'trab',
        'triglycerides',
        'tsh',
        'upcr',
        'urine-blood-dipstick',
        'urine-dysmorphic-rbc',
        'urine-protein-dipstick',
        'urine-rbc',
        'urine-rbc-automated',
        'urine-rbc-casts',
        'urine-sediment-finding',
        'wbc',
        'lymphocytes-percent',
        'neutrophils-percent',
      ].sort(),
    );
    expect(historyBaselineAnalytes(ms())).toEqual(['alt', 'ast', 'creatinine', 'haemoglobin', 'upcr']);
    expect(historyBaselineAnalytes(defaultRuleSets().CLL)).toEqual([
      'alt',
      'ast',
      'creatinine',
      'haemoglobin',
      'neutrophils',
      'platelets',
      'upcr',
    ]);
  });

  it('states the window in the site zone: since = start of (earliest new day − 7), each course baseline window (180 days), and since the course in effect began', () => {
    const context = patient({ courses: [COURSE_1, COURSE_2] });
    const window = historyWindowFor(
      { context, results: [lab('platelets', 90, '2025-06-10'), lab('platelets', 95, '2025-06-03')] },
      ms(),
    );
    expect(window?.since.toISOString()).toBe('2025-05-26T22:00:00.000Z');
    expect(window?.baselineWindows.map((w) => [w.from.toISOString(), w.to.toISOString()])).toEqual([
      ['2023-09-05T22:00:00.000Z', '2024-03-03T23:00:00.000Z'],
      ['2024-09-10T22:00:00.000Z', '2025-03-09T23:00:00.000Z'],
    ]);
    // Platelets read no rise or fall from a baseline: no stand-in is needed.
    expect(window?.referenceWindows).toEqual([]);
    // A creatinine (CREA-1, CREA-2, DQ-2) and a urine RBC (RENAL-1 reads CREA-1's rise): course 2 began on
    // 2025-03-10, within 180 days of 2025-06-03, so the creatinine stand-in is read from there up to the window.
    const renal = historyWindowFor(
      {
        context,
        results: [lab('creatinine', 1.2, '2025-06-10'), lab('urine-rbc', 9, '2025-06-03')],
      },
      ms(),
    )!;
    expect(renal.referenceWindows.map((w) => [w.from.toISOString(), w.to.toISOString(), w.analytes])).toEqual(
      [['2025-03-09T23:00:00.000Z', '2025-05-26T22:00:00.000Z', ['creatinine']]],
    );
    // Read only when the first read found no baseline.
    expect(standInsFor(renal, [])).toEqual([
      {
        patientId: 'p1',
        analytes: ['creatinine'],
        from: new Date('2025-03-09T23:00:00.000Z'),
        to: new Date('2025-05-26T22:00:00.000Z'),
      },
    ]);
    expect(standInsFor(renal, [lab('creatinine', 0.7, '2024-09-20')])).toEqual([]);
    const strict = applySiteOverrides(ms(), 'strict', [{ ruleId: 'DQ-2', thresholds: { lookbackDays: 30 } }]);
    expect(
      historyWindowFor({ context, results: [lab('platelets', 90, '2025-06-10')] }, strict)?.baselineWindows[1]
        .from,
    ).toEqual(new Date('2025-02-07T23:00:00.000Z'));
  });

  it('widens with a site that widens a pairing window, and is null without gradable results', () => {
    const site = applySiteOverrides(ms(), 'site-9', [{ ruleId: 'RENAL-1', thresholds: { windowDays: 14 } }]);
    expect(historyLookbackDays(site)).toBe(14);
    expect(
      historyWindowFor(
        { context: patient(), results: [lab('platelets', 1, '2025-01-01', { status: 'deleted' })] },
        ms(),
      ),
    ).toBeNull();
    const windows = historyWindowsFor(
      [
        {
          context: patient({ patientId: 'a' }),
          results: [lab('platelets', 1, '2025-01-01', { patientId: 'a' })],
        },
        { context: patient({ patientId: 'b' }), results: [] },
      ],
      defaultRuleSets(),
    );
    expect(windows.map((w) => w.patientId)).toEqual(['a']);
  });

  it('is enough: grading with only the rows of the window gives the same decisions as with the full history', () => {
    const context = patient({ courses: [COURSE_1, COURSE_2] });
    const history: RuleInputResult[] = [
      lab('creatinine', 0.7, '2024-12-20'), // course 2 baseline, 80 days before it (look-back 180)
      lab('creatinine', 0.6, '2024-11-20'), // older, not the baseline
      lab('creatinine', 0.8, '2024-02-20'), // course 1 baseline
      lab('haemoglobin', 14.5, '2025-03-20'), // no Hb baseline: the highest since course 2, before the window
      lab('haemoglobin', 13, '2025-04-20'),
      lab('platelets', 300, '2025-04-01'),
      lab('platelets', 260, '2025-05-01'), // previous platelet value, long before the window
      lab('urine-rbc', 9, '2025-04-20'), // previous urine RBC (URBC-2), long before the window
      lab('creatinine', 1.0, '2025-06-03'), // inside ±7 days: a CREA-1 rise from the course 2 baseline
      lab('ferritin', 900, '2025-06-04'),
      lab('d-dimer', 0.5, '2025-06-06'), // 62-fold to 31: graded (100-fold would be held, DD-4)
      lab('urine-rbc', 1, '2025-03-01'),
      lab('platelets', 50, '2025-05-20', { status: 'deleted' }),
    ];
    const results = [
      lab('platelets', 120, '2025-06-10'),
      lab('urine-rbc', 6, '2025-06-10'),
      lab('haemoglobin', 11.9, '2025-06-10'),
      lab('triglycerides', 300, '2025-06-10'),
      lab('d-dimer', 31, '2025-06-10'),
    ];
    const full = evaluate(context, results, history);
    const window = historyWindowFor({ context, results }, ms())!;
    // Earlier values only for the analytes graded now (and URBC-2's automated count, read in sequence with
    // microscopy): the ferritin and creatinine before the window are not needed, and are not read.
    expect(full.decisions.find((d) => d.ruleId === 'HGB-1')?.explanation.baselineSource).toEqual({
      source: 'post-course-highest',
      courseNumber: 2,
      daysBeforeCourse: null,
      lookbackDays: 180,
    });
    expect([...window.latestAnalytes].sort()).toEqual([
      'd-dimer',
      'haemoglobin',
      'platelets',
      'triglycerides',
      'urine-rbc',
      'urine-rbc-automated',
    ]);
    const rows = query(history, window);
    expect(rows.length).toBeLessThan(history.length);
    const bounded = evaluate(context, results, rows);
    expect(bounded.decisions).toEqual(full.decisions);
    expect(bounded.recoveries).toEqual(full.recoveries);
    expect(full.decisions.map((d) => `${d.ruleId}:${d.severity}`)).toEqual([
      'PLT-1:warning',
      'PLT-2:warning',
      'RENAL-1:critical',
      'HGB-1:warning',
      'CYTO-1:critical',
      'DQ-2:info',
      'HLH-2:critical',
      'DD-3:critical',
    ]);
  });
});
