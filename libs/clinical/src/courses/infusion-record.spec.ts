import { planCourses } from './course-plan';
import {
  type AdministrationRecord,
  administrationsToPlan,
  courseBasis,
  type CourseRow,
  courseRows,
  planEnrolment,
  productOf,
  sameCourseRows,
  unmappedExplanation,
} from './infusion-record';

const record = (
  id: string,
  day: string,
  overrides: Partial<AdministrationRecord> = {},
): AdministrationRecord => ({
  administrationId: id,
  status: 'given',
  evidence: 'administered',
  day,
  at: null,
  doseMg: 12,
  product: 'alemtuzumab',
  recordedAt: null,
  ...overrides,
});

const manual = (courseNumber: number, infusionDays: string[]): CourseRow => ({
  courseNumber,
  product: 'lemtrada',
  infusionDays,
  source: 'manual',
});

describe('administrationsToPlan', () => {
  it('reads only the strongest evidence the patient has: orders stand in only where nothing better exists', () => {
    const records = [
      record('O|2024-03-04', '2024-03-04', { evidence: 'ordered' }),
      record('O|2024-03-05', '2024-03-05', { evidence: 'ordered' }),
      record('RXA-1', '2024-03-04'),
    ];
    expect(administrationsToPlan(records).map((a) => a.id)).toEqual(['RXA-1']);
    expect(administrationsToPlan(records.slice(0, 2)).map((a) => a.id)).toEqual([
      'O|2024-03-04',
      'O|2024-03-05',
    ]);
  });

  it('keeps withdrawals, which the planner needs to exclude what they withdraw', () => {
    const records = [
      record('RXA-1', '2024-03-04'),
      record('RXA-1', '2024-03-04', { status: 'entered-in-error' }),
    ];
    expect(administrationsToPlan(records).map((a) => a.status)).toEqual(['given', 'entered-in-error']);
  });
});

describe('productOf', () => {
  it('takes the product a code names, else the indication’s (§1.1: Lemtrada for MS, Campath for CLL)', () => {
    expect(productOf([{ product: 'alemtuzumab' }, { product: 'campath' }], 'MS')).toBe('campath');
    expect(productOf([{ product: 'alemtuzumab' }], 'MS')).toBe('lemtrada');
    expect(productOf([{ product: 'alemtuzumab' }], 'CLL')).toBe('campath');
  });
});

describe('courseBasis', () => {
  it('replaces an entered course within 30 days of a recorded infusion, and keeps one given elsewhere years before', () => {
    const elsewhere = manual(1, ['2021-05-03', '2021-05-04', '2021-05-05', '2021-05-06', '2021-05-07']);
    const typed = manual(2, ['2022-06-01', '2022-06-02', '2022-06-03']);
    const basis = courseBasis([elsewhere, typed], ['2022-06-01', '2022-06-02', '2022-06-03']);
    expect(basis.kept).toEqual([elsewhere]);
    expect(basis.superseded).toEqual([typed]);
    // The first recorded course is course 2: it expects 3 days, not 5.
    expect(basis.firstCourseNumber).toBe(2);
  });

  it('ignores rows it planned itself (they are re-planned from the records)', () => {
    const planned: CourseRow = { ...manual(1, ['2024-03-04']), source: 'infusion-record' };
    expect(courseBasis([planned], ['2024-03-04'])).toEqual({
      kept: [],
      superseded: [],
      firstCourseNumber: 1,
    });
  });
});

describe('courseRows', () => {
  it('numbers kept and planned courses in the order they were given', () => {
    const elsewhere = manual(1, ['2021-05-03', '2021-05-04', '2021-05-05', '2021-05-06', '2021-05-07']);
    const plan = planCourses(
      ['2022-06-01', '2022-06-02', '2022-06-03'].map((day, i) => ({
        id: `A${i}`,
        status: 'given' as const,
        day,
      })),
      { indication: 'MS', firstCourseNumber: 2 },
    );
    const rows = courseRows([elsewhere], plan, 'lemtrada');
    expect(rows.map((r) => [r.courseNumber, r.source, r.infusionDays[0]])).toEqual([
      [1, 'manual', '2021-05-03'],
      [2, 'infusion-record', '2022-06-01'],
    ]);
    expect(plan.anomalies).toEqual([]);
  });

  it('sameCourseRows sees a change of a day, a product or a source, and not the order of the rows', () => {
    const a = manual(1, ['2024-03-04', '2024-03-05']);
    const b = manual(2, ['2025-03-04']);
    expect(sameCourseRows([a, b], [b, a])).toBe(true);
    expect(sameCourseRows([a], [{ ...a, infusionDays: ['2024-03-04'] }])).toBe(false);
    expect(sameCourseRows([a], [{ ...a, source: 'infusion-record' }])).toBe(false);
    expect(sameCourseRows([a], [{ ...a, product: 'campath' }])).toBe(false);
  });
});

describe('planEnrolment', () => {
  const mapping = { siteId: 'stmarys', careTeamId: 'team-1', indication: null, location: 'INFUSION' };

  it('enrols to the mapped team with the indication the product names', () => {
    expect(planEnrolment({ location: 'INFUSION', products: ['lemtrada'], mapping, senderSites: [] })).toEqual(
      {
        type: 'enrol',
        siteId: 'stmarys',
        careTeamId: 'team-1',
        indication: 'MS',
      },
    );
    expect(
      planEnrolment({ location: 'INFUSION', products: ['campath'], mapping, senderSites: [] }),
    ).toMatchObject({
      indication: 'CLL',
    });
  });

  it('never guesses: the ingredient alone needs the location’s indication', () => {
    expect(
      planEnrolment({ location: 'INFUSION', products: ['alemtuzumab'], mapping, senderSites: [] }),
    ).toMatchObject({
      type: 'unmapped',
      siteId: 'stmarys',
      reason: expect.stringContaining('ingredient only'),
    });
    expect(
      planEnrolment({
        location: 'INFUSION',
        products: ['alemtuzumab'],
        mapping: { ...mapping, indication: 'MS' },
        senderSites: [],
      }),
    ).toMatchObject({ type: 'enrol', indication: 'MS' });
  });

  it('refuses to choose between Lemtrada and Campath, or a team a mapping does not name', () => {
    expect(
      planEnrolment({ location: 'X', products: ['lemtrada', 'campath'], mapping, senderSites: [] }),
    ).toMatchObject({ type: 'unmapped', reason: 'the record names both Lemtrada and Campath' });
    expect(
      planEnrolment({
        location: 'X',
        products: ['lemtrada'],
        mapping: { ...mapping, careTeamId: null },
        senderSites: [],
      }),
    ).toMatchObject({ type: 'unmapped', siteId: 'stmarys' });
  });

  it('with no mapping, names the site only when all the sender’s locations are of one site', () => {
    const none = { location: 'ONCOLOGY', products: ['lemtrada' as const], mapping: null };
    expect(planEnrolment({ ...none, senderSites: ['stmarys'] })).toEqual({
      type: 'unmapped',
      siteId: 'stmarys',
      reason: 'no care team is mapped for location ONCOLOGY',
    });
    expect(planEnrolment({ ...none, senderSites: ['a', 'b'] })).toMatchObject({ siteId: null });
    expect(planEnrolment({ ...none, senderSites: [] })).toMatchObject({ siteId: null });
  });
});

describe('unmappedExplanation', () => {
  it('says who could not be enrolled and what to do, for the people who read the alert in the console', () => {
    const explanation = unmappedExplanation({
      sender: 'PHARMSYS^STMARYS',
      location: 'ONCOLOGY',
      reason: 'no care team is mapped for location ONCOLOGY',
      patient: { id: '4713', authority: 'CITYHOSP' },
    });
    expect(explanation).toMatchObject({ ruleId: 'ENROLMENT-UNMAPPED', ruleSetVersion: 'infusion-record' });
    expect(explanation.summary).toContain('identifier 4713 of CITYHOSP');
    expect(explanation.action).toContain('Enrol the patient');
  });
});
