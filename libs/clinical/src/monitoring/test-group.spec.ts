import {
  type AnalyteDay,
  completionDays,
  slotProgress,
  TEST_GROUPS,
  testGroupForSite,
  testGroupLoinc,
  testGroupMembers,
} from './test-group';

const d = (analyte: AnalyteDay['analyte'], day: string): AnalyteDay => ({ analyte, day });

describe('test groups (clinical rules §3)', () => {
  it('a CBC with differential needs platelets, haemoglobin, WBC and ANC; lymphocytes are optional', () => {
    const full = ['platelets', 'haemoglobin', 'wbc', 'neutrophils'].map((a) => d(a as never, '2024-04-05'));
    expect(completionDays(TEST_GROUPS.cbc, full, 1)).toEqual(['2024-04-05']);
    const noDiff = full.filter((r) => r.analyte !== 'neutrophils');
    expect(completionDays(TEST_GROUPS.cbc, [...noDiff, d('lymphocytes', '2024-04-05')], 1)).toEqual([]);
    expect(slotProgress(TEST_GROUPS.cbc, noDiff, null, '2024-04-30', 1)).toEqual({
      received: ['platelets', 'haemoglobin', 'wbc'],
      missing: ['neutrophils'],
      firstDay: '2024-04-05',
      latestDay: '2024-04-05',
    });
  });

  it('components within the completion window make one sample; further apart they do not', () => {
    const split = [
      d('platelets', '2024-04-05'),
      d('haemoglobin', '2024-04-05'),
      d('wbc', '2024-04-05'),
      d('neutrophils', '2024-04-06'),
    ];
    expect(completionDays(TEST_GROUPS.cbc, split, 2)).toEqual(['2024-04-06']);
    expect(completionDays(TEST_GROUPS.cbc, split, 1)).toEqual([]);
  });

  it('a partial is judged on its latest sample, not on stray components earlier in the slot', () => {
    const stray = [d('platelets', '2024-04-05'), d('neutrophils', '2024-04-20')];
    const progress = slotProgress(TEST_GROUPS.cbc, stray, '2024-04-01', '2024-04-30', 2);
    expect(progress.received).toEqual(['neutrophils']);
    expect(progress.missing).toEqual(['platelets', 'haemoglobin', 'wbc']);
    expect(progress.firstDay).toBe('2024-04-05');
    expect(progress.latestDay).toBe('2024-04-20');
    // Only what came after the anchor counts.
    expect(slotProgress(TEST_GROUPS.cbc, stray, '2024-04-20', '2024-04-30', 2).latestDay).toBeNull();
  });

  it('a urinalysis needs microscopy and dipstick protein: a dipstick-only urinalysis is partial', () => {
    const dipstick = [d('urine-blood-dipstick', '2024-04-05'), d('urine-protein-dipstick', '2024-04-05')];
    expect(completionDays(TEST_GROUPS.urinalysis, dipstick, 2)).toEqual([]);
    expect(slotProgress(TEST_GROUPS.urinalysis, dipstick, null, '2024-04-05', 2).missing).toEqual([
      'urine-rbc-microscopy',
    ]);
    expect(completionDays(TEST_GROUPS.urinalysis, [...dipstick, d('urine-rbc', '2024-04-05')], 2)).toEqual([
      '2024-04-05',
    ]);
  });

  it('an automated urine RBC count stands in for microscopy only where the site allows it', () => {
    const automated = [d('urine-protein-dipstick', '2024-04-05'), d('urine-rbc-automated', '2024-04-05')];
    expect(completionDays(TEST_GROUPS.urinalysis, automated, 2)).toEqual([]);
    const site = testGroupForSite('urinalysis', { urinalysisAcceptsAutomatedRbc: true });
    expect(completionDays(site, automated, 2)).toEqual(['2024-04-05']);
    expect(testGroupForSite('cbc', { urinalysisAcceptsAutomatedRbc: true })).toBe(TEST_GROUPS.cbc);
  });

  it('liver tests need a transaminase (ALT or AST) and bilirubin; thyroid needs TSH only', () => {
    expect(
      completionDays(TEST_GROUPS.liver, [d('ast', '2024-04-05'), d('bilirubin', '2024-04-05')], 1),
    ).toEqual(['2024-04-05']);
    expect(completionDays(TEST_GROUPS.liver, [d('alt', '2024-04-05'), d('ast', '2024-04-05')], 1)).toEqual(
      [],
    );
    expect(completionDays(TEST_GROUPS.thyroid, [d('tsh', '2024-04-05')], 1)).toEqual(['2024-04-05']);
    expect(completionDays(TEST_GROUPS.thyroid, [d('ft4', '2024-04-05')], 1)).toEqual([]);
  });

  it('names its members and their LOINC codes', () => {
    expect(testGroupMembers(TEST_GROUPS.urinalysis)).toEqual([
      'urine-rbc',
      'urine-protein-dipstick',
      'urine-blood-dipstick',
    ]);
    expect(testGroupLoinc(TEST_GROUPS.urinalysis)).toEqual(['24356-8', '13945-1', '5804-0', '5794-3']);
    expect(testGroupLoinc(TEST_GROUPS.cbc)).toEqual(
      expect.arrayContaining(['58410-2', '57021-8', '777-3', '751-8', '718-7', '6690-2', '731-0']),
    );
  });
});
