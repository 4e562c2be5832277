import { outcomeOfStatus } from './operation-outcome';
import {
  ALERT_ACTION_CODE_SYSTEM,
  ALERT_REFERENCE_SYSTEM,
  detectedIssueStatus,
  type FhirAlert,
  RULE_CODE_SYSTEM,
  searchsetBundle,
  toAcknowledgementTask,
  toDetectedIssue,
} from './detected-issue';

const ALERT_ID = '0b7c6f52-51a3-4c1e-9a43-7b8f0d3e9a01';
const PATIENT_ID = 'c1d2e3f4-0000-4000-8000-000000000001';
const TEAM_ID = 'c1d2e3f4-0000-4000-8000-0000000000aa';
const EVA = { id: 'a1a1a1a1-0000-4000-8000-000000000002', name: 'Dr. Eva Svobodová' };

function alert(overrides: Partial<FhirAlert> = {}): FhirAlert {
  return {
    id: ALERT_ID,
    reference: 'K7Q2-9XMA',
    patientId: PATIENT_ID,
    careTeamId: TEAM_ID,
    indication: 'MS',
    ruleId: 'PLT-3',
    ruleTitle: 'Platelets below 50',
    severity: 'critical',
    state: 'open',
    ruleSetVersion: 'ms-2026.3',
    summary: 'Platelets 42 ×10⁹/L, below 50',
    openedAt: new Date('2026-11-20T07:20:00Z'),
    updatedAt: new Date('2026-11-20T07:20:00Z'),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionReason: null,
    evidence: [{ resultId: '17', retracted: false, preliminary: false }],
    ...overrides,
  };
}

describe('an alert as a FHIR R4 DetectedIssue', () => {
  it('states the rule as the code, the severity, the patient, when and why, and the results as evidence', () => {
    const issue = toDetectedIssue(
      alert({
        evidence: [
          { resultId: '17', retracted: false, preliminary: false },
          { resultId: '23', retracted: false, preliminary: false },
        ],
      }),
    );
    expect(issue).toEqual({
      resourceType: 'DetectedIssue',
      id: ALERT_ID,
      meta: { lastUpdated: '2026-11-20T07:20:00.000Z' },
      identifier: [{ system: ALERT_REFERENCE_SYSTEM, value: 'K7Q2-9XMA' }],
      status: 'final',
      code: {
        coding: [{ system: RULE_CODE_SYSTEM, code: 'PLT-3', display: 'Platelets below 50' }],
        text: 'Platelets below 50',
      },
      severity: 'high',
      patient: { reference: `Patient/${PATIENT_ID}` },
      identifiedDateTime: '2026-11-20T07:20:00.000Z',
      author: { type: 'Device', display: 'Alemtuzumab lab-result safety alerts, rules ms-2026.3' },
      implicated: [{ display: 'alemtuzumab (Lemtrada)' }],
      evidence: [
        { detail: [{ reference: 'Observation/17' }] },
        { detail: [{ reference: 'Observation/23' }] },
      ],
      detail: 'Platelets 42 ×10⁹/L, below 50',
    });
  });

  it.each([
    ['critical', 'high'],
    ['warning', 'moderate'],
    ['info', 'low'],
  ] as const)('maps severity %s to %s', (severity, expected) => {
    expect(toDetectedIssue(alert({ severity })).severity).toBe(expected);
  });

  it('names Campath for CLL, and leaves patient and product out of an alert about no patient (a lab feed)', () => {
    expect(toDetectedIssue(alert({ indication: 'CLL' })).implicated).toEqual([
      { display: 'alemtuzumab (Campath)' },
    ]);
    const feed = toDetectedIssue(
      alert({ patientId: null, careTeamId: null, indication: null, evidence: [], summary: null }),
    );
    expect(feed).not.toHaveProperty('patient');
    expect(feed).not.toHaveProperty('implicated');
    expect(feed).not.toHaveProperty('evidence');
    expect(feed).not.toHaveProperty('detail');
    expect(feed.status).toBe('final');
  });

  it('is final whether open, acknowledged or resolved: the work on it is mitigation, not status', () => {
    const acknowledgedAt = new Date('2026-11-20T07:31:00Z');
    const resolvedAt = new Date('2026-11-21T09:00:00Z');
    expect(toDetectedIssue(alert()).mitigation).toBeUndefined();
    const acknowledged = toDetectedIssue(
      alert({ state: 'acknowledged', acknowledgedAt, acknowledgedBy: EVA }),
    );
    expect(acknowledged.status).toBe('final');
    expect(acknowledged.mitigation).toEqual([
      {
        action: {
          coding: [{ system: ALERT_ACTION_CODE_SYSTEM, code: 'acknowledged', display: 'Acknowledged' }],
          text: 'Acknowledged by the care team',
        },
        date: '2026-11-20T07:31:00.000Z',
        author: { reference: `Practitioner/${EVA.id}`, display: 'Dr. Eva Svobodová' },
      },
    ]);
    const resolved = toDetectedIssue(
      alert({
        state: 'resolved',
        acknowledgedAt,
        acknowledgedBy: EVA,
        resolvedAt,
        resolvedBy: { id: EVA.id, name: null },
        resolutionReason: 'repeat count normal',
      }),
    );
    expect(resolved.status).toBe('final');
    expect(resolved.mitigation?.[1]).toEqual({
      action: {
        coding: [{ system: ALERT_ACTION_CODE_SYSTEM, code: 'resolved', display: 'Resolved' }],
        text: 'repeat count normal',
      },
      date: '2026-11-21T09:00:00.000Z',
      author: { reference: `Practitioner/${EVA.id}` },
    });
    // Resolved by the system (no person): no author.
    const bySystem = toDetectedIssue(
      alert({ state: 'resolved', resolvedAt, resolutionReason: 'monitoring ended' }),
    );
    expect(bySystem.mitigation).toEqual([expect.not.objectContaining({ author: expect.anything() })]);
  });

  it('is entered-in-error once every result it was raised on is withdrawn, and still points at them', () => {
    const withdrawn = alert({
      evidence: [
        { resultId: '17', retracted: true, preliminary: false },
        { resultId: '23', retracted: true, preliminary: false },
      ],
    });
    expect(toDetectedIssue(withdrawn)).toMatchObject({
      status: 'entered-in-error',
      evidence: [
        { detail: [{ reference: 'Observation/17' }] },
        { detail: [{ reference: 'Observation/23' }] },
      ],
    });
    // One of two withdrawn (a correction that still breaches): final, on what still stands.
    const corrected = alert({
      evidence: [
        { resultId: '17', retracted: true, preliminary: false },
        { resultId: '23', retracted: false, preliminary: false },
      ],
    });
    expect(toDetectedIssue(corrected)).toMatchObject({
      status: 'final',
      evidence: [{ detail: [{ reference: 'Observation/23' }] }],
    });
  });

  it('is preliminary while every result it stands on is preliminary', () => {
    const p = (resultId: string, retracted = false) => ({ resultId, retracted, preliminary: true });
    const f = (resultId: string, retracted = false) => ({ resultId, retracted, preliminary: false });
    expect(detectedIssueStatus([p('1')])).toBe('preliminary');
    expect(detectedIssueStatus([p('1'), f('2')])).toBe('final');
    // The preliminary value replaced by its final: final.
    expect(detectedIssueStatus([p('1', true), f('2')])).toBe('final');
    expect(detectedIssueStatus([p('1', true)])).toBe('entered-in-error');
    expect(detectedIssueStatus([])).toBe('final');
  });
});

describe('an alert’s acknowledgement as a FHIR R4 Task', () => {
  it('is requested of the care team while nobody has taken the alert', () => {
    expect(toAcknowledgementTask(alert({ severity: 'warning' }))).toEqual({
      resourceType: 'Task',
      id: ALERT_ID,
      meta: { lastUpdated: '2026-11-20T07:20:00.000Z' },
      status: 'requested',
      intent: 'order',
      priority: 'urgent',
      code: {
        coding: [{ system: ALERT_ACTION_CODE_SYSTEM, code: 'acknowledge', display: 'Acknowledge the alert' }],
      },
      focus: { reference: `DetectedIssue/${ALERT_ID}` },
      for: { reference: `Patient/${PATIENT_ID}` },
      authoredOn: '2026-11-20T07:20:00.000Z',
      lastModified: '2026-11-20T07:20:00.000Z',
      owner: { reference: `CareTeam/${TEAM_ID}` },
    });
  });

  it('is completed by the person who acknowledged, and cancelled when resolved without anyone', () => {
    const acknowledgedAt = new Date('2026-11-20T07:31:00Z');
    expect(
      toAcknowledgementTask(alert({ state: 'acknowledged', acknowledgedAt, acknowledgedBy: EVA })),
    ).toMatchObject({
      status: 'completed',
      priority: 'stat',
      owner: { reference: `Practitioner/${EVA.id}`, display: EVA.name },
      lastModified: '2026-11-20T07:31:00.000Z',
      executionPeriod: { end: '2026-11-20T07:31:00.000Z' },
    });
    expect(
      toAcknowledgementTask(
        alert({ state: 'resolved', resolvedAt: new Date('2026-11-21T09:00:00Z'), resolutionReason: 'x' }),
      ),
    ).toMatchObject({ status: 'cancelled', lastModified: '2026-11-21T09:00:00.000Z' });
  });
});

describe('a search result page', () => {
  const base = 'https://alerts.test/api/v1/fhir/R4';
  const selfUrl = (offset: number) => `${base}/DetectedIssue?status=final&_count=2&_offset=${offset}`;

  it('is a searchset with the total, the matches, paging links and, when asked, the Tasks as includes', () => {
    const second = alert({ id: 'second' });
    const bundle = searchsetBundle({
      base,
      matches: [alert(), second],
      includeTasks: true,
      total: 5,
      selfUrl,
      offset: 2,
      count: 2,
    });
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 5 });
    expect(bundle.link).toEqual([
      { relation: 'self', url: selfUrl(2) },
      { relation: 'next', url: selfUrl(4) },
      { relation: 'previous', url: selfUrl(0) },
    ]);
    expect(bundle.entry?.map((e) => [e.fullUrl, e.resource?.resourceType, e.search?.mode])).toEqual([
      [`${base}/DetectedIssue/${ALERT_ID}`, 'DetectedIssue', 'match'],
      [`${base}/DetectedIssue/second`, 'DetectedIssue', 'match'],
      [`${base}/Task/${ALERT_ID}`, 'Task', 'include'],
      [`${base}/Task/second`, 'Task', 'include'],
    ]);
  });

  it('has no next link on the last page and no Tasks unless asked', () => {
    const bundle = searchsetBundle({
      base,
      matches: [alert()],
      includeTasks: false,
      total: 1,
      selfUrl,
      offset: 0,
      count: 2,
    });
    expect(bundle.link).toEqual([{ relation: 'self', url: selfUrl(0) }]);
    expect(bundle.entry).toHaveLength(1);
  });
});

describe('an error as an OperationOutcome', () => {
  it.each([
    [404, 'error', 'not-found'],
    [401, 'error', 'login'],
    [403, 'error', 'forbidden'],
    [400, 'error', 'invalid'],
    [409, 'error', 'conflict'],
    [500, 'fatal', 'exception'],
  ] as const)('%i is %s %s', (status, severity, code) => {
    expect(outcomeOfStatus(status, 'Alert not found')).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity, code, details: { text: 'Alert not found' }, diagnostics: 'Alert not found' }],
    });
  });
});
