import {
  addDays,
  DEFAULT_MONITORING_SETTINGS,
  defaultRuleSets,
  type ExpectationState,
  expectationsFor,
  FEED_QUIET_RULE_ID,
  feedStatus,
  monitoringRules,
  type ReceivedResult,
} from '@alem/clinical';
import { alertDedupKey, type DueLabFeedRow, type OpenMonitoringAlert } from '@alem/persistence';
import { feedAlertDedupKey, type FeedAlertExplanation, planFeedAlert } from './feed-alert-plan';
import { planPatientAlerts } from './missed-alert-plan';
import {
  isHoldReleased,
  monitoringContext,
  readsWholeHistory,
  resultWindowDays,
  WINDOW_ANALYTES,
} from './monitoring-context';

const TZ = 'Europe/Prague';
const COURSE = {
  courseNumber: 1,
  infusionDays: ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
};
const row = {
  patientId: 'p-1',
  siteId: 'site',
  indication: 'MS' as const,
  enrolledAt: new Date('2024-02-15T08:00:00Z'),
  enrolmentEndedAt: null,
  timeZone: TZ,
  courses: [COURSE],
  suspensions: [],
  plannedCourse: null,
  cllTherapyEndDay: null,
  monitoringExtensionMonths: 0,
  thyroidExtensionMonths: 0,
  settingsVersion: null,
  settingsOverrides: null,
};

function draw(day: string, analytes: string[], sender = 'lab-a'): ReceivedResult[] {
  return analytes.map((analyte) => ({
    analyte: analyte as ReceivedResult['analyte'],
    observedAt: new Date(`${day}T08:00:00Z`),
    sender,
    status: 'final',
    value: analyte === 'cd4' ? 400 : 1,
  }));
}

const MONTHLY = [
  'platelets',
  'haemoglobin',
  'wbc',
  'neutrophils',
  'creatinine',
  'urine-rbc',
  'urine-protein-dipstick',
  'alt',
  'bilirubin',
];
const received = [
  ...draw('2024-02-20', [...MONTHLY, 'tsh', 'upcr', 'hiv-screen']),
  ...draw('2024-05-01', ['cd4']),
  ...draw('2024-05-07', [...MONTHLY, 'tsh']),
];

function states(day: string, time = '12:00'): ExpectationState[] {
  const now = new Date(`${day}T${time}:00Z`);
  return expectationsFor(monitoringContext(row, []), received, now);
}

function open(
  ruleId: string,
  severity: OpenMonitoringAlert['severity'],
  notified: OpenMonitoringAlert['severity'] | null,
): OpenMonitoringAlert {
  return {
    id: `a-${ruleId}`,
    reference: 'AAAA-0001',
    dedupKey: `p-1|${ruleId}`,
    patientId: 'p-1',
    ruleId,
    severity,
    state: 'open',
    notifiedSeverity: notified,
  };
}

describe('missed-result alert plan', () => {
  it('opens notified alerts for the overdue monthly tests, keyed like the processor’s alerts', () => {
    const plan = planPatientAlerts({
      patientId: 'p-1',
      states: states('2024-06-14'),
      courses: [COURSE],
      open: [],
      previous: new Map(),
    });
    expect(
      plan.changes.map((c) => (c.type === 'open' ? [c.ruleId, c.severity, c.notify, c.dedupKey] : c.type)),
    ).toEqual([
      ['MISSED-CBC', 'warning', true, alertDedupKey('p-1', 'MISSED-CBC')],
      ['MISSED-CREATININE', 'warning', true, 'p-1|MISSED-CREATININE'],
      ['MISSED-UA', 'warning', true, 'p-1|MISSED-UA'],
    ]);
    const first = plan.changes[0]!;
    expect(first.type === 'open' && first.explanation).toMatchObject({
      ruleId: 'MISSED-CBC',
      ruleSetVersion: 'monitoring-2',
      daysSinceLastInfusion: 98,
      monitoring: { dueDay: '2024-06-06', warningDay: '2024-06-14', criticalDay: '2024-06-21' },
    });
  });

  it('raises once, resolves when the state clears, and resolves alerts no state claims any more', () => {
    const raised = planPatientAlerts({
      patientId: 'p-1',
      states: states('2024-06-21'),
      courses: [COURSE],
      open: [open('MISSED-CBC', 'warning', 'warning')],
      previous: new Map(),
    });
    expect(raised.changes.find((c) => c.type === 'update')).toMatchObject({
      severity: 'critical',
      severityRaised: true,
      notify: true,
    });
    const orphan = { ...open('GATE-BASELINE', 'warning', 'warning'), dedupKey: 'p-1|GATE-BASELINE|course-9' };
    const cleared = planPatientAlerts({
      patientId: 'p-1',
      states: states('2024-05-20'),
      courses: [COURSE],
      open: [open('MISSED-CBC', 'critical', 'critical'), orphan],
      previous: new Map(),
    });
    expect(cleared.changes).toMatchObject([
      { type: 'resolve', alert: { ruleId: 'MISSED-CBC' }, reason: 'received', detail: { status: 'pending' } },
      { type: 'resolve', alert: { dedupKey: 'p-1|GATE-BASELINE|course-9' }, reason: 'not-applicable' },
    ]);
    const left = planPatientAlerts({
      patientId: 'p-1',
      states: [],
      courses: [COURSE],
      open: [open('MISSED-CBC', 'critical', 'critical')],
      previous: new Map(),
      endReason: 'enrolment-ended',
    });
    expect(left.changes).toMatchObject([{ type: 'resolve', reason: 'enrolment-ended' }]);
  });

  it('records held alerts without notifying, and notifies them when the hold ends', () => {
    const quiet = {
      sender: 'lab-a',
      rhythm: { quietAfterMs: 48 * 3_600_000, source: 'configured' as const, learnedFrom: null },
      lastSeenAt: new Date('2024-06-11T07:00:00Z'),
    };
    const now = new Date('2024-06-14T12:00:00Z');
    const held = expectationsFor({ ...monitoringContext(row, []), feeds: [quiet] }, received, now);
    const opened = planPatientAlerts({
      patientId: 'p-1',
      states: held,
      courses: [COURSE],
      open: [],
      previous: new Map(),
    });
    expect(opened.changes[0]).toMatchObject({
      type: 'open',
      notify: false,
      notes: [{ type: 'held', detail: { senders: ['lab-a'], severity: 'warning' } }],
    });
    const released = planPatientAlerts({
      patientId: 'p-1',
      states: states('2024-06-15'),
      courses: [COURSE],
      open: [open('MISSED-CBC', 'warning', null)],
      previous: new Map([['MISSED-CBC', { status: 'held', heldBy: ['lab-a'] }]]),
    });
    expect(released.changes[0]).toMatchObject({
      type: 'update',
      notify: true,
      notifyReason: 'hold-released',
      notes: [{ type: 'hold-released', detail: { status: 'overdue-warning' } }],
    });
  });
});

describe('feed alert plan', () => {
  const feed: DueLabFeedRow = {
    sender: 'LIS^LAB',
    siteId: 'site',
    quietAfterMs: 48 * 3_600_000,
    rhythmSource: 'configured',
    rhythmLearnedFrom: null,
    lastSeenAt: new Date('2024-06-11T07:00:00Z'),
    holdReleasedAt: null,
    state: 'ok',
    holding: false,
    alertId: null,
    integrationCareTeamId: 'team-int',
    settingsOverrides: null,
  };
  const statusAt = (iso: string) =>
    feedStatus(
      {
        sender: feed.sender,
        rhythm: { quietAfterMs: feed.quietAfterMs, source: 'configured', learnedFrom: null },
        lastSeenAt: feed.lastSeenAt,
      },
      new Date(iso),
    );

  it('opens one FEED-QUIET alert routed to the integration team, raises it when the hold runs out, resolves it when the lab speaks', () => {
    expect(planFeedAlert(feed, statusAt('2024-06-13T06:59:00Z'), false, 0, null)).toBeNull();
    const opened = planFeedAlert(feed, statusAt('2024-06-13T07:00:00Z'), false, 0, null);
    expect(opened).toMatchObject({
      type: 'open',
      ruleId: FEED_QUIET_RULE_ID,
      kind: 'feed',
      patientId: null,
      dedupKey: 'feed|LIS^LAB',
      severity: 'warning',
      notify: true,
      route: { careTeamId: 'team-int', reason: 'site-integration-team:site' },
    });
    const existing: OpenMonitoringAlert = {
      id: 'f',
      reference: 'R',
      dedupKey: feedAlertDedupKey(feed.sender),
      patientId: null,
      ruleId: FEED_QUIET_RULE_ID,
      severity: 'warning',
      state: 'acknowledged',
      notifiedSeverity: 'warning',
    };
    expect(planFeedAlert(feed, statusAt('2024-06-15T00:00:00Z'), false, 0, existing)).toMatchObject({
      type: 'update',
      severityRaised: false,
      notify: false,
    });
    expect(planFeedAlert(feed, statusAt('2024-06-20T07:00:00Z'), false, 0, existing)).toMatchObject({
      type: 'update',
      severity: 'critical',
      severityRaised: true,
      reopen: true,
      notify: true,
    });
    expect(
      planFeedAlert(
        { ...feed, lastSeenAt: new Date('2024-06-20T08:00:00Z') },
        feedStatus(
          {
            sender: feed.sender,
            rhythm: { quietAfterMs: feed.quietAfterMs, source: 'configured', learnedFrom: null },
            lastSeenAt: new Date('2024-06-20T08:00:00Z'),
          },
          new Date('2024-06-20T09:00:00Z'),
        ),
        false,
        0,
        existing,
      ),
    ).toMatchObject({
      type: 'resolve',
      reason: 'feed-resumed',
    });
    expect(
      planFeedAlert(
        { ...feed, integrationCareTeamId: null },
        statusAt('2024-06-13T07:00:00Z'),
        false,
        0,
        null,
      ),
    ).toMatchObject({ route: null });
  });

  it('says how many patients’ missed-result alerts it holds, critical ones for 24 h and warnings for 7 days', () => {
    const explanationAt = (iso: string, held: number, released = false) => {
      const change = planFeedAlert(feed, statusAt(iso), released, held, null);
      return change?.type === 'open' ? (change.explanation as FeedAlertExplanation) : null;
    };
    const quiet = explanationAt('2024-06-13T07:00:00Z', 2)!;
    expect(quiet.feed).toMatchObject({
      heldPatients: 2,
      holdUntil: '2024-06-20T07:00:00.000Z',
      criticalHoldUntil: '2024-06-14T07:00:00.000Z',
    });
    expect(quiet.summary).toBe(
      'No message from LIS^LAB since 2024-06-11T07:00:00.000Z; expected at least every 48 h (configured). ' +
        'Holding the missed-result alerts of 2 patients it serves (recorded, not sent): critical ones until ' +
        '2024-06-14T07:00:00.000Z, warnings until 2024-06-20T07:00:00.000Z.',
    );
    const day2 = explanationAt('2024-06-14T07:00:00Z', 1)!;
    expect(day2.feed.heldPatients).toBe(1);
    expect(day2.summary).toContain(
      'Holding the missed-result alerts of 1 patient it serves (recorded, not sent): warnings until ' +
        '2024-06-20T07:00:00.000Z; critical ones go out (their hold ended 2024-06-14T07:00:00.000Z).',
    );
    expect(explanationAt('2024-06-20T07:00:00Z', 0)!.summary).toContain('The hold has run out');
    expect(explanationAt('2024-06-15T07:00:00Z', 0, true)!.summary).toContain('A person released the hold');
    // A new count on an open alert is an update without a page.
    const existing: OpenMonitoringAlert = {
      id: 'f',
      reference: 'R',
      dedupKey: feedAlertDedupKey(feed.sender),
      patientId: null,
      ruleId: FEED_QUIET_RULE_ID,
      severity: 'warning',
      state: 'open',
      notifiedSeverity: 'warning',
    };
    expect(planFeedAlert(feed, statusAt('2024-06-13T08:00:00Z'), false, 3, existing)).toMatchObject({
      type: 'update',
      severityRaised: false,
      notify: false,
      explanation: { feed: { heldPatients: 3 } },
    });
  });
});

describe('monitoring context', () => {
  it('loads a results window longer than every threshold, serving lookback and gate review', () => {
    expect(resultWindowDays(DEFAULT_MONITORING_SETTINGS)).toBe(123); // thyroid critical 120 / lookback 120, +2 +1
    expect(WINDOW_ANALYTES).toEqual(expect.arrayContaining(['platelets', 'urine-rbc', 'tsh', 'bilirubin']));
    expect(WINDOW_ANALYTES).not.toContain('cd4');
  });

  it('reads the whole history of patients enrolled within the window (a backfilled sample anchors their clock)', () => {
    const windowStart = new Date('2024-02-13T10:00:00Z');
    expect(readsWholeHistory({ enrolledAt: new Date('2024-02-13T09:59:59.999Z') }, windowStart)).toBe(false);
    expect(readsWholeHistory({ enrolledAt: windowStart }, windowStart)).toBe(true);
    expect(readsWholeHistory({ enrolledAt: new Date('2024-06-01T08:00:00Z') }, windowStart)).toBe(true);
  });

  it('leaves a released feed out until it speaks again', () => {
    const seen = new Date('2024-06-11T07:00:00Z');
    expect(isHoldReleased({ lastSeenAt: seen, holdReleasedAt: null })).toBe(false);
    expect(isHoldReleased({ lastSeenAt: seen, holdReleasedAt: new Date('2024-06-14T08:00:00Z') })).toBe(true);
    expect(
      isHoldReleased({
        lastSeenAt: new Date('2024-06-15T08:00:00Z'),
        holdReleasedAt: new Date('2024-06-14T08:00:00Z'),
      }),
    ).toBe(false);
  });

  it('never gives a monitoring rule the id of a threshold rule (one dedup key space per patient)', () => {
    const thresholdIds = new Set(
      Object.values(defaultRuleSets()).flatMap((set) => set.rules.map((r) => r.id)),
    );
    const monitoringIds = [...monitoringRules('MS'), ...monitoringRules('CLL'), FEED_QUIET_RULE_ID];
    expect(monitoringIds.filter((id) => thresholdIds.has(id))).toEqual([]);
    expect(addDays('2024-03-08', 98)).toBe('2024-06-14');
  });
});
