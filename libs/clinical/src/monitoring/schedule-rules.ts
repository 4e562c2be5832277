import { type AnalyteId } from '../analytes/analyte-catalogue';
import { addDays, addMonths, type CalendarDay, maxDay } from '../courses/calendar';
import { courseEnd, courseStart, monitoringEnd, type TreatmentCourse } from '../courses/treatment-course';
import { cd4ReminderEvaluator } from './cd4-reminder';
import { type Indication, type MonitoringContext, type MonitoringRuleId } from './expectation';
import { gateEvaluator, type GateTarget } from './gate-expectation';
import { type MonitoringSettings } from './monitoring-settings';
import { periodicEvaluator, type PeriodicRule, type PeriodicWindow } from './periodic-expectation';
import { type RuleEvaluator } from './rule-evaluator';
import { type AnalyteDay, TEST_GROUPS, testGroupForSite } from './test-group';

/** The rules that apply to an indication, in display order. CLL never gets the MS 48-month schedule (§1.1). */
export function monitoringRules(indication: Indication): MonitoringRuleId[] {
  return indication === 'CLL'
    ? ['MISSED-CBC-WEEKLY', 'CD4-REMINDER']
    : [
        'MISSED-CBC',
        'MISSED-CREATININE',
        'MISSED-UA',
        'MISSED-THYROID',
        'MISSED-LFT',
        'CD4-REMINDER',
        'GATE-BASELINE',
        'GATE-UPCR',
        'GATE-HIV',
      ];
}

/** The prepared rules of one patient: MS or CLL, from the courses, the plan and the received results. */
export function ruleEvaluatorsFor(
  context: MonitoringContext,
  received: readonly (AnalyteDay & { value: number | null })[],
  today: CalendarDay,
  settings: MonitoringSettings,
): RuleEvaluator[] {
  const byStart = [...context.courses].sort((a, b) => (courseStart(a) < courseStart(b) ? -1 : 1));
  const first = byStart[0] ?? null;
  const latest = byStart[byStart.length - 1] ?? null;
  const extension = context.monitoringExtensionMonths ?? 0;
  const enrolledOn = context.enrolledOn ?? null;
  const cd4Counts = received.filter((r) => r.analyte === 'cd4');
  const w = settings.completionWindowDays;
  const group = (id: Parameters<typeof testGroupForSite>[0]) => testGroupForSite(id, settings);

  if (context.indication === 'CLL') {
    const therapy = latest && cllTherapy(latest, context.cllTherapyEnd ?? null, settings);
    const weekly: PeriodicRule = {
      ruleId: 'MISSED-CBC-WEEKLY',
      title: 'Weekly CBC during Campath therapy',
      evidence: 'Campath PI; thresholds [P]',
      action: 'Draw a CBC with differential: dosing decisions (CAMP-1, CAMP-2) depend on it.',
      group: group('cbc'),
      schedule: settings.cllCbc,
      dueSeverity: 'none',
    };
    const window: PeriodicWindow = {
      startDay: therapy?.start ?? null,
      startSource: 'therapy',
      endDay: therapy?.end ?? null,
      enrolledOn,
    };
    return [
      periodicEvaluator(weekly, window, received, today, w),
      cd4ReminderEvaluator(
        {
          courseEndDay: therapy?.end ?? null,
          courseNumber: latest?.courseNumber ?? null,
          endDay: therapy ? addMonths(therapy.end, settings.cll.cd4ReminderMonths) : null,
        },
        cd4Counts,
        settings.cd4,
      ),
    ];
  }

  const end = monitoringEnd(context.courses, extension);
  const window: PeriodicWindow = {
    startDay: first && courseEnd(first),
    startSource: 'course',
    endDay: end,
    enrolledOn,
  };
  const thyroidWindow: PeriodicWindow = {
    ...window,
    endDay: monitoringEnd(context.courses, extension + (context.thyroidExtensionMonths ?? 0)),
  };
  const monthly = (ruleId: MonitoringRuleId, id: 'cbc' | 'creatinine' | 'urinalysis', action: string) =>
    periodicEvaluator(
      {
        ruleId,
        title: `Monthly ${TEST_GROUPS[id].name.replace(/^(Serum|Urinalysis)/, (w) => w.toLowerCase())}`,
        evidence: '[FDA-L] monthly until 48 months after the last infusion; grace [P]',
        action,
        group: group(id),
        schedule: settings[id],
        dueSeverity: 'none',
      },
      window,
      received,
      today,
      w,
    );
  const target = gateTarget(context, latest);
  const gateTimes = { leadDays: settings.gates.leadDays, reviewDays: settings.gates.reviewDays };

  return [
    monthly('MISSED-CBC', 'cbc', 'Ask for the monthly CBC with differential (ITP, cytopenias).'),
    monthly('MISSED-CREATININE', 'creatinine', 'Ask for the monthly serum creatinine (anti-GBM disease).'),
    monthly(
      'MISSED-UA',
      'urinalysis',
      'Ask for the monthly urinalysis with microscopy (glomerular disease).',
    ),
    periodicEvaluator(
      {
        ruleId: 'MISSED-THYROID',
        title: 'Three-monthly thyroid function',
        evidence: '[FDA-L] every 3 months until 48 months after the last infusion; grace [P]',
        action: 'Ask for TSH (thyroid disorders in 36.8% of patients).',
        group: group('thyroid'),
        schedule: settings.thyroid,
        dueSeverity: 'none',
      },
      thyroidWindow,
      received,
      today,
      w,
    ),
    periodicEvaluator(
      {
        ruleId: 'MISSED-LFT',
        title: 'Liver tests',
        evidence: '[FDA-L] "at periodic intervals"; warning if none for >100 days [P]',
        action: 'Ask for ALT/AST and bilirubin (autoimmune hepatitis).',
        group: group('liver'),
        schedule: settings.liver,
        dueSeverity: 'none',
      },
      window,
      received,
      today,
      w,
    ),
    cd4ReminderEvaluator(
      { courseEndDay: latest && courseEnd(latest), courseNumber: latest?.courseNumber ?? null, endDay: end },
      cd4Counts,
      settings.cd4,
    ),
    gateEvaluator(
      {
        ruleId: 'GATE-BASELINE',
        title: 'Baseline labs before the course',
        evidence: '[FDA-REMS] within 30 days before the first infusion; before every course [P]',
        action: 'Draw CBC with differential, creatinine, urinalysis with microscopy, TSH and liver tests.',
        groups: (['cbc', 'creatinine', 'urinalysis', 'thyroid', 'liver'] as const).map(group),
        settings: settings.gates.baseline,
        firstCourseOnly: false,
      },
      target,
      received,
      w,
      gateTimes,
    ),
    gateEvaluator(
      {
        ruleId: 'GATE-UPCR',
        title: 'UPCR before the first course',
        evidence: '[FDA-L] "Measure the urine protein to creatinine ratio prior to initiation"; gate [P]',
        action: 'Measure UPCR before the first infusion.',
        groups: [group('upcr')],
        settings: settings.gates.upcr,
        firstCourseOnly: true,
      },
      target,
      received,
      w,
      gateTimes,
    ),
    gateEvaluator(
      {
        ruleId: 'GATE-HIV',
        title: 'HIV status before the first course',
        evidence: '[FDA-L] contraindication; gate [P]',
        action: 'Obtain HIV screening before the first infusion.',
        groups: [group('hiv')],
        settings: settings.gates.hiv,
        firstCourseOnly: true,
      },
      target,
      received,
      w,
      gateTimes,
    ),
  ];
}

/** Campath therapy of the latest course: from its first infusion to the recorded end, or the default length. */
function cllTherapy(
  course: TreatmentCourse,
  recordedEnd: CalendarDay | null,
  settings: MonitoringSettings,
): { start: CalendarDay; end: CalendarDay } {
  const start = courseStart(course);
  if (recordedEnd !== null && recordedEnd >= start) return { start, end: recordedEnd };
  return { start, end: maxDay([addDays(start, settings.cll.defaultTherapyDays), courseEnd(course)])! };
}

function gateTarget(context: MonitoringContext, latest: TreatmentCourse | null): GateTarget | null {
  const planned = context.plannedCourse;
  if (planned) {
    const highest = Math.max(0, ...context.courses.map((c) => c.courseNumber));
    return { courseNumber: planned.courseNumber ?? highest + 1, startDay: planned.startDay, planned: true };
  }
  return latest && { courseNumber: latest.courseNumber, startDay: courseStart(latest), planned: false };
}

/** Analytes of a rule, for callers that fetch only the results a rule reads. */
export function analytesForRule(ruleId: MonitoringRuleId): AnalyteId[] {
  const groups = {
    'MISSED-CBC': ['cbc'],
    'MISSED-CBC-WEEKLY': ['cbc'],
    'MISSED-CREATININE': ['creatinine'],
    'MISSED-UA': ['urinalysis'],
    'MISSED-THYROID': ['thyroid'],
    'MISSED-LFT': ['liver'],
    'CD4-REMINDER': ['cd4'],
    'GATE-BASELINE': ['cbc', 'creatinine', 'urinalysis', 'thyroid', 'liver'],
    'GATE-UPCR': ['upcr'],
    'GATE-HIV': ['hiv'],
  } as const;
  const ids = groups[ruleId].flatMap((g) =>
    testGroupForSite(g, { urinalysisAcceptsAutomatedRbc: true }).requires.flatMap((r) => r.anyOf),
  );
  const optional = groups[ruleId].flatMap((g) => TEST_GROUPS[g].optional);
  return [...new Set([...ids, ...optional])];
}
