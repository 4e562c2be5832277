import { type AlertDecision } from '../alerts/alert-decision';
import { evaluatePatient } from './rule-evaluator';
import { defaultRuleSets } from './rule-set.loader';
import { type CalendarDay } from '../courses/calendar';
import { configuredFeedRhythm, type FeedObservation } from '../monitoring/feed-rhythm';
import { planMissedAlertChange } from '../monitoring/missed-alert';
import { expectationsFor } from '../monitoring/monitoring-schedule';
import { at, course, find, look, monthlyDraw, msPatient, ruleOn } from '../monitoring/monitoring.fixture';
import { deriveAbsoluteCounts } from '../results/derived-counts';
import { normaliseObservation } from '../results/normalise';
import { type PatientResult } from '../results/result';
import { type RuleInputResult } from './evaluation-input';
import { evaluate, lab, patient } from './testing/rule-fixtures';

/** A result exactly as a lab sends it (value, unit, range), normalised as the processor does. */
function sent(
  code: string,
  value: number,
  unit: string,
  at: string,
  id: string,
  referenceRange: string | null = null,
): RuleInputResult {
  const n = normaliseObservation({
    code,
    system: 'LN',
    valueType: 'NM',
    value,
    comparator: null,
    unit,
    referenceRange,
  });
  const observedAt = new Date(at.length === 10 ? `${at}T08:00:00Z` : at);
  const result: PatientResult = { ...n, resultId: id, patientId: 'p1', status: 'final', observedAt };
  return { ...result, original: { value: String(value), unit } };
}

/** `resultId → RULE:severity[!]` for exact story assertions. */
function story(decisions: readonly AlertDecision[]): string[] {
  return decisions.map((d) => `${d.resultIds[0]} → ${d.ruleId}:${d.severity}${d.emergency ? '!' : ''}`);
}

// Course 1: infusions 2024-03-04 … 2024-03-08 (W0-3 to 2024-03-11, W0-60 to 2024-05-07).
describe('clinical stories', () => {
  it('1. seed case: D-dimer 38,000 ng/mL FEU the day after the first infusion, 15.452 mg/L the next day, and the ng/dL copy', () => {
    const context = patient({ birthDate: '1988-04-02' });
    const first = lab('d-dimer', 38, '2024-03-05T07:00:00Z', {
      id: 'dd-38',
      loinc: '48065-7',
      original: { value: '38000', unit: 'ng/mL' },
    });
    const next = lab('d-dimer', 15.452, '2024-03-06T07:00:00Z', { id: 'dd-15', loinc: '48065-7' });
    const ngdl = lab('d-dimer', null, '2024-03-05T07:00:00Z', {
      id: 'dd-ngdl',
      quality: 'held',
      qualityReason: 'unit "ng/dL" is not an accepted D-dimer unit',
      original: { value: '38000', unit: 'ng/dL' },
    });
    const out = evaluate(context, [first, next, ngdl]);
    expect(story(out.decisions)).toEqual([
      'dd-38 → DD-3:critical',
      'dd-15 → DD-3:critical',
      'dd-ngdl → DD-4:warning',
    ]);

    const [dd38, dd15, dd4] = out.decisions;
    expect(dd38.explanation).toMatchObject({
      summary: 'D-dimer 38 mg/L (FEU) is 10× the cut-off 0.5 mg/L FEU or more.',
      window: 'W0-3',
      daysSinceLastInfusion: 0,
      ruleSetVersion: 'ms-2026.3',
      tier: 'ge-10x',
      // DD-1 would have been info (post-infusion rise expected in W0-3) and DD-2 a warning: one value, one page.
      supersededRuleIds: ['DD-1', 'DD-2'],
    });
    expect(dd38.explanation.windowNote).toContain('never downgraded');
    expect(dd38.explanation.values[0]).toMatchObject({
      value: 38,
      unit: 'mg/L',
      basis: 'FEU',
      original: { value: '38000', unit: 'ng/mL' },
    });
    expect(dd15.explanation.previous?.resultId).toBe('dd-38');
    expect(dd15.explanation.summary).toBe(
      'D-dimer 15.452 mg/L (FEU) is 10× the cut-off 0.5 mg/L FEU or more.',
    );
    expect(dd4.kind).toBe('data-quality');
    expect(dd4.explanation.summary).toBe(
      'D-dimer held and not graded: unit "ng/dL" is not an accepted D-dimer unit.',
    );
    expect(dd4.explanation.values[0].original).toEqual({ value: '38000', unit: 'ng/dL' });

    // What DD-1 does on its own: a modest rise inside W0-3 is information only.
    expect(story(evaluate(context, [lab('d-dimer', 0.9, '2024-03-05', { id: 'dd-09' })]).decisions)).toEqual([
      'dd-09 → DD-1:info',
    ]);
  });

  it('2. transient platelet drop in W0-60 that recovers: 120 → 85 → 160', () => {
    const history = [lab('platelets', 230, '2024-02-20', { id: 'baseline' })];
    const results = [
      lab('platelets', 120, '2024-03-20', { id: 'p120' }),
      lab('platelets', 85, '2024-03-27', { id: 'p85' }),
      lab('platelets', 160, '2024-04-10', { id: 'p160' }),
    ];
    const out = evaluatePatient(
      { context: patient(), results, history, openAlertRuleIds: [] },
      defaultRuleSets().MS,
    );
    expect(story(out.decisions)).toEqual(['p120 → PLT-1:info', 'p85 → PLT-3:warning']);
    const plt3 = out.decisions[1];
    expect(plt3.explanation).toMatchObject({ window: 'W0-60', tier: 'lt-100', daysSinceLastInfusion: 19 });
    expect(plt3.explanation.action).toContain('within 72 hours');
    expect(plt3.explanation.baseline?.resultId).toBe('baseline');
    expect(out.recoveries.map((r) => `${r.resultId} → ${r.ruleId}`)).toEqual([
      'p160 → PLT-1',
      'p160 → PLT-3',
    ]);
    expect(out.recoveries[1].summary).toBe(
      'Platelets 160 ×10⁹/L are back at or above the lower limit of normal (150 ×10⁹/L).',
    );
  });

  it('3. ITP at month 14: platelets 140 → 60 → 22', () => {
    const results = [
      lab('platelets', 140, '2025-05-01', { id: 'p140' }),
      lab('platelets', 60, '2025-05-29', { id: 'p60' }),
      lab('platelets', 22, '2025-05-31', { id: 'p22' }),
    ];
    const out = evaluate(patient(), results);
    expect(story(out.decisions)).toEqual([
      'p140 → PLT-1:warning',
      'p60 → PLT-2:warning',
      'p60 → PLT-3:critical',
      'p22 → PLT-2:warning',
      'p22 → PLT-4:critical!',
    ]);
    const plt4 = out.decisions[4];
    expect(plt4.explanation).toMatchObject({ tier: 'lt-25', window: null, supersededRuleIds: ['PLT-3'] });
    expect(plt4.explanation.action).toContain('intracranial haemorrhage');
    expect(out.decisions[1].explanation.summary).toBe(
      'Platelets 60 ×10⁹/L changed -57.1% from the previous value 140 ×10⁹/L (2025-05-01) (a fall of 50% or more).',
    );
  });

  it('3b. ITP with PLT-4 critical then emergency: 140 → 45 → 22', () => {
    const results = [
      lab('platelets', 140, '2025-05-01', { id: 'p140' }),
      lab('platelets', 45, '2025-05-29', { id: 'p45' }),
      lab('platelets', 22, '2025-05-31', { id: 'p22' }),
    ];
    expect(story(evaluate(patient(), results).decisions)).toEqual([
      'p140 → PLT-1:warning',
      'p45 → PLT-2:warning',
      'p45 → PLT-4:critical',
      'p22 → PLT-2:warning',
      'p22 → PLT-4:critical!',
    ]);
  });

  it('4. creatinine rise with haematuria (anti-GBM): CREA-1, then urine RBC 12/HPF 5 days later → RENAL-1', () => {
    const history = [lab('creatinine', 0.8, '2024-02-20', { id: 'baseline' })];
    const results = [
      lab('creatinine', 1.15, '2025-11-03', { id: 'crea' }),
      lab('urine-rbc', 12, '2025-11-08', { id: 'urbc' }),
    ];
    const out = evaluate(patient(), results, history);
    expect(story(out.decisions)).toEqual(['crea → CREA-1:warning', 'urbc → RENAL-1:critical']);
    const [crea, renal] = out.decisions;
    expect(crea.explanation.notes).toContain('also met: baseline-rise');
    expect(crea.explanation.baseline?.value).toBe(0.8);
    expect(renal.resultIds).toEqual(['urbc', 'crea']);
    expect(renal.explanation.supersededRuleIds).toEqual(['URBC-1']);
    expect(renal.explanation.summary).toBe(
      'Creatinine rise (CREA-1) with urinary findings within ±7 days: Urine red cells (microscopy) 12 /HPF; Creatinine (serum) 1.15 mg/dL (2025-11-03).',
    );
    expect(renal.explanation.action).toContain('anti-GBM antibody');
  });

  it("5. Graves' at month 20: TSH 0.05 with free T4 above the ULN", () => {
    const sameDraw = [
      lab('tsh', 0.05, '2025-11-10', { id: 'tsh' }),
      lab('ft4', 2.6, '2025-11-10', { id: 'ft4' }),
    ];
    const out = evaluate(patient(), sameDraw);
    expect(story(out.decisions)).toEqual(['tsh → TSH-1:warning', 'ft4 → TSH-2:critical']);
    expect(out.decisions[0].explanation.action).toContain('TSH-receptor antibodies');
    expect(out.decisions[1].explanation).toMatchObject({ tier: 'overt-hyperthyroidism' });
    expect(out.decisions[1].resultIds).toEqual(['ft4', 'tsh']);

    // Free T4 first: TSH-2 opens as a warning and is raised to critical by the TSH.
    const reversed = evaluate(patient(), [...sameDraw].reverse());
    expect(story(reversed.decisions)).toEqual([
      'ft4 → TSH-2:warning',
      'tsh → TSH-1:warning',
      'tsh → TSH-2:critical',
    ]);
  });

  it("6. Hy's-law liver pattern: ALT 4× ULN and bilirubin 2.5× ULN", () => {
    const results = [
      lab('alt', 160, '2025-08-04', { id: 'alt' }),
      lab('alp', 100, '2025-08-04', { id: 'alp' }),
      lab('bilirubin', 3.0, '2025-08-04', { id: 'bili' }),
    ];
    const out = evaluate(patient(), results);
    // No ALT in the 180 days before course 1: LFT-1 cannot use multiples of an abnormal baseline, and DQ-2 says so.
    expect(story(out.decisions)).toEqual(['alt → LFT-1:warning', 'alt → DQ-2:info', 'bili → LFT-2:critical']);
    const [lft1, , lft2] = out.decisions;
    expect(lft1.explanation).toMatchObject({ tier: 'gt-3x' });
    expect(lft1.explanation.summary).toBe(
      'ALT 160 U/L is 4.0× the upper limit of normal (40 U/L; above 3×).',
    );
    expect(lft2.resultIds).toEqual(['bili', 'alt', 'alp']);
    expect(lft2.explanation.summary).toContain(
      "Hy's-law pattern: Total bilirubin 3 mg/dL with ALT 160 U/L (2025-08-04)",
    );
  });

  it('7. HLH picture: ferritin 4000 with triglycerides 300 mg/dL', () => {
    const results = [
      lab('ferritin', 4000, '2025-07-01', { id: 'ferritin' }),
      lab('triglycerides', 300, '2025-07-01', { id: 'tg' }),
    ];
    const out = evaluate(patient(), results);
    expect(story(out.decisions)).toEqual(['ferritin → HLH-3:critical', 'tg → HLH-2:critical']);
    expect(out.decisions[0].explanation.supersededRuleIds).toEqual(['HLH-1']);
    expect(out.decisions[1].resultIds).toEqual(['tg', 'ferritin']);
    expect(out.decisions[1].explanation.action).toContain('Evaluate for HLH immediately');
  });

  it('8. isolated aPTT prolongation with normal PT/INR: warning, then critical above 1.5× ULN', () => {
    const first = [
      lab('pt', 12.1, '2025-09-01', { id: 'pt1' }),
      lab('inr', 1.0, '2025-09-01', { id: 'inr1' }),
      lab('aptt', 42, '2025-09-01', { id: 'aptt42' }),
    ];
    const second = [
      lab('pt', 12.4, '2025-09-05', { id: 'pt2' }),
      lab('inr', 1.05, '2025-09-05', { id: 'inr2' }),
      lab('aptt', 55, '2025-09-05', { id: 'aptt55' }),
    ];
    const out = evaluate(patient(), [...first, ...second]);
    expect(story(out.decisions)).toEqual(['aptt42 → COAG-1:warning', 'aptt55 → COAG-1:critical']);
    const [warning, critical] = out.decisions;
    expect(warning.explanation.tier).toBe('isolated');
    expect(warning.resultIds).toEqual(['aptt42', 'pt1', 'inr1']);
    expect(critical.explanation).toMatchObject({ tier: 'isolated-gt-1.5x', rangeFallback: false });
    expect(critical.explanation.summary).toBe(
      'Isolated aPTT prolongation: 55 s is 1.6× the upper limit of normal (35 s; above 1.5×).',
    );
    expect(critical.explanation.action).toContain('factor VIII activity');
  });
  // Issue 11: clinical gaps that could hide a dangerous result.

  it('9. neutrophils sent only as a percentage: WBC 1.5 with 20 % is an ANC of 0.3, an emergency', () => {
    const wbc = sent('6690-2', 1.5, '10*9/L', '2025-02-03T07:10:00Z', 'wbc');
    const pct = sent('770-8', 20, '%', '2025-02-03T07:10:00Z', 'pct');
    const platelets = sent('777-3', 90, '10*9/L', '2025-02-03T07:10:00Z', 'plt', '150-400');
    const { derived } = deriveAbsoluteCounts([wbc, pct, platelets]);
    const anc: RuleInputResult = {
      ...lab('neutrophils', derived[0].value, '2025-02-03T07:10:00Z', { id: 'anc', range: [1.5, null] }),
      range: derived[0].range,
      status: derived[0].status,
      qualityFlags: ['derived'],
      derivation: { text: derived[0].text, fromResultIds: derived[0].fromResultIds },
    };
    const out = evaluate(patient(), [anc], [wbc, pct, platelets]);
    expect(story(out.decisions)).toEqual(['anc → ANC-1:critical!', 'anc → CYTO-1:critical']);
    const [anc1] = out.decisions;
    expect(anc1.explanation.summary).toBe('Neutrophils 0.3 ×10⁹/L are below 0.5 ×10⁹/L (CTCAE grade 4).');
    expect(anc1.explanation.notes).toContain(
      'ANC 0.3 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and neutrophils 20 % (same specimen)',
    );
    expect(anc1.explanation.values[0].derivation).toBe(derived[0].text);
  });

  it('10. creatinine 0.6 mg/dL taken 40 days before the course, then 1.0 mg/dL: CREA-2, with the baseline’s age', () => {
    const history = [lab('creatinine', 0.6, '2024-01-24', { id: 'old' })];
    const out = evaluate(patient(), [lab('creatinine', 1.0, '2024-07-01', { id: 'now' })], history);
    expect(story(out.decisions)).toEqual(['now → CREA-2:critical']);
    expect(out.decisions[0].explanation.baselineSource).toMatchObject({ daysBeforeCourse: 40 });
    // Without any baseline, the lowest value since the course stands in, and DQ-2 says so once.
    const none = evaluate(
      patient(),
      [lab('creatinine', 1.0, '2024-07-01', { id: 'now' })],
      [lab('creatinine', 0.62, '2024-05-02', { id: 'may' })],
    );
    expect(story(none.decisions)).toEqual(['now → CREA-2:critical', 'now → DQ-2:info']);
    expect(none.decisions[1]).toMatchObject({ dedupScope: 'course-1|creatinine', once: true });
  });

  it('11. a creatinine rise of exactly 26.5 µmol/L (70 → 96.5) is the 0.3 mg/dL rise of CREA-1', () => {
    const history = [sent('14682-9', 70, 'umol/L', '2024-02-20', 'base')];
    const out = evaluate(
      patient(),
      [sent('14682-9', 96.5, 'umol/L', '2024-07-01', 'now', '45-110')],
      history,
    );
    expect(story(out.decisions)).toEqual(['now → CREA-1:warning']);
    expect(out.decisions[0].explanation.tier).toBe('baseline-rise');
    // And a UPCR of 16 mg/mmol is a KDIGO A2 warning as written in mg/mmol (not 141 mg/g, under 150).
    const upcr = evaluate(
      patient(),
      [sent('2890-2', 16, 'mg/mmol', '2024-07-01', 'upcr')],
      [sent('2890-2', 8, 'mg/mmol', '2024-02-20', 'upcr-base')],
    );
    expect(story(upcr.decisions)).toEqual(['upcr → UPRO-1:warning']);
  });

  it('12. red cell casts in a sediment report, no creatinine rise: RENAL-1 critical at once', () => {
    const report = normaliseObservation({
      code: '11279-7',
      system: 'LN',
      valueType: 'TX',
      value: 'RBC 10-20/HPF. Occasional RBC casts seen.',
      comparator: null,
      unit: null,
      referenceRange: null,
    });
    const casts = lab(report.analyte!, report.text, '2025-04-02', { id: 'casts', text: report.text });
    const out = evaluate(patient(), [casts], [lab('creatinine', 0.8, '2025-04-02')]);
    expect(story(out.decisions)).toEqual(['casts → RENAL-1:critical']);
    expect(out.decisions[0].explanation.tier).toBe('casts-or-dysmorphic-rbc');
  });

  it('13. D-dimer 0.3 → 38 mg/L within a day: held by DD-4, not graded until a reviewer releases it', () => {
    const history = [lab('d-dimer', 0.3, '2025-05-01', { id: 'before' })];
    const jump = lab('d-dimer', 38, '2025-05-02', { id: 'jump' });
    expect(story(evaluate(patient(), [jump], history).decisions)).toEqual(['jump → DD-4:warning']);
    const released = evaluate(patient(), [{ ...jump, released: true }], history);
    expect(story(released.decisions)).toEqual(['jump → DD-3:critical']);
  });
});

describe('clinical stories: the monitoring schedule (issue 11)', () => {
  it('14. (§3 rolling clock, monitoring decision 7) enrolled two years after course 1 with last month’s draw backfilled, the patient is overdue from that draw, not from the enrolment day', () => {
    // Course 1 in January 2022; the site enrols the patient on 2024-06-01 and backfills the draw of 2024-05-02.
    const p = msPatient({ courses: [course(1, '2022-01-10', 5)], enrolledOn: '2024-06-01' });
    const backfilled = monthlyDraw('2024-05-02');
    // Due on the enrolment day itself (day 30), warning on 06-09 (day 38), critical on 06-16 (day 45); anchored
    // on the enrolment day it would have been due on 07-01 and critical only on 07-16.
    expect(look('MISSED-CBC', p, backfilled, '2024-06-01')).toEqual(['due', 'none']);
    expect(look('MISSED-CBC', p, backfilled, '2024-06-08')).toEqual(['due', 'none']);
    const warning = ruleOn('MISSED-CBC', p, backfilled, '2024-06-09');
    expect([warning.status, warning.severity]).toEqual(['overdue-warning', 'warning']);
    expect(warning.explanation.summary).toBe(
      'Monthly CBC with differential: nothing received since 2024-05-02; due on 2024-06-01, 8 days overdue.',
    );
    expect(look('MISSED-UA', p, backfilled, '2024-06-16')).toEqual(['overdue-critical', 'critical']);
    // The thyroid test was never sent: its clock still starts at enrolment (nothing to call missing before).
    expect(ruleOn('MISSED-THYROID', p, backfilled, '2024-06-09').explanation).toMatchObject({
      anchorDay: '2024-06-01',
      anchorSource: 'enrolment',
    });
  });

  it('15. (monitoring decision 15) the lab’s interface stops on a Friday evening; a CBC turning critical on Monday waits 24 h for the lab, not a week', () => {
    // Last message Friday 2024-05-17 18:00 Prague; rhythm 48 h → quiet Sunday 18:00 (16:00 UTC).
    const feed: FeedObservation = {
      sender: 'lab-a',
      rhythm: configuredFeedRhythm(48),
      lastSeenAt: at('2024-05-17', '18:00'),
    };
    const p = msPatient({ feeds: [feed] });
    const received = monthlyDraw('2024-04-05'); // CBC warning since 05-13 (paged then), critical from 05-20
    const cbcAt = (day: CalendarDay, time: string, results = received) =>
      find(expectationsFor(p, results, at(day, time)), 'MISSED-CBC');
    const told = {
      severity: 'warning' as const,
      state: 'open' as const,
      notifiedSeverity: 'warning' as const,
    };

    expect(cbcAt('2024-05-19', '17:59').status).toBe('overdue-warning');
    expect(cbcAt('2024-05-19', '18:00').status).toBe('held');
    // Monday 00:00: critical, recorded but not paged: the CBC may be stuck in the lab's interface.
    const held = cbcAt('2024-05-20', '00:00');
    expect([held.status, held.severity, held.explanation.hold?.until]).toEqual([
      'held',
      'critical',
      at('2024-05-20', '18:00').toISOString(),
    ]);
    expect(planMissedAlertChange(told, held)).toMatchObject({ severity: 'critical', notify: false });
    expect(held.nextChange).toEqual({
      at: at('2024-05-20', '18:00'),
      status: 'overdue-critical',
      severity: 'critical',
    });
    // Monday 18:00, 24 h into the outage, the lab still silent: the clinician is paged.
    const paged = cbcAt('2024-05-20', '18:00');
    expect([paged.status, paged.heldBy]).toEqual(['overdue-critical', []]);
    const recorded = { ...told, severity: 'critical' as const };
    expect(planMissedAlertChange(recorded, paged)).toMatchObject({ type: 'update', notify: true });
    // Had the lab come back at 10:00 with Friday's CBC in its backlog, the alert would have resolved unpaged.
    const backlog = [...received, ...monthlyDraw('2024-05-17')];
    const resumed = find(
      expectationsFor(
        msPatient({ feeds: [{ ...feed, lastSeenAt: at('2024-05-20', '10:00') }] }),
        backlog,
        at('2024-05-20', '10:00'),
      ),
      'MISSED-CBC',
    );
    expect(planMissedAlertChange(recorded, resumed)).toEqual({ type: 'resolve', reason: 'received' });
  });
});
