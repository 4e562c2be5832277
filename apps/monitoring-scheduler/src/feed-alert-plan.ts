import {
  type AlertExplanation,
  FEED_QUIET_RULE_ID,
  type FeedStatus,
  MONITORING_SCHEDULE_VERSION,
  type Severity,
  severityRank,
} from '@alem/clinical';
import { type DueLabFeedRow, type MonitoringAlertChange, type OpenMonitoringAlert } from '@alem/persistence';

/** One open FEED-QUIET alert per sender. No patient: the key space cannot meet a patient's `<uuid>|<rule>`. */
export function feedAlertDedupKey(sender: string): string {
  return `feed|${sender}`;
}

/** The FEED-QUIET alert's explanation: what is silent since when, and what that holds. */
export interface FeedAlertExplanation extends AlertExplanation {
  feed: {
    sender: string;
    lastSeenAt: string | null;
    quietAt: string | null;
    quietAfterHours: number;
    rhythmSource: string;
    holdUntil: string | null;
    /** Critical missed-result alerts are held only until then (README decision 15). */
    criticalHoldUntil: string | null;
    holdReleased: boolean;
    /** Patients whose missed-result alerts this feed holds now (recounted at every sweep). */
    heldPatients: number;
  };
}

/**
 * What a feed's status does to its FEED-QUIET alert (alerting-anchors §4 item 6a): quiet → one interface alert,
 * warning while it holds its patients' missed-result alerts, critical once the hold has run out (raised and
 * told again); the feed speaking again resolves it by itself. The alert goes to the integration team of the
 * feed's site (`route`); without one it is recorded and shown, and the caller logs that nobody is told. Its
 * explanation says how many patients' missed-result alerts the feed holds (`heldPatients`, counted by the
 * caller from the held expectations); a new count is an update without a page.
 */
export function planFeedAlert(
  feed: DueLabFeedRow,
  status: FeedStatus,
  holdReleased: boolean,
  heldPatients: number,
  existing: OpenMonitoringAlert | null,
): MonitoringAlertChange | null {
  if (status.state !== 'quiet') {
    return existing
      ? {
          type: 'resolve',
          alert: existing,
          reason: 'feed-resumed',
          detail: { sender: feed.sender, lastSeenAt: feed.lastSeenAt?.toISOString() ?? null },
        }
      : null;
  }
  const severity: Severity = status.severity === 'critical' ? 'critical' : 'warning';
  const explanation = feedExplanation(feed, status, holdReleased, heldPatients);
  if (!existing) {
    return {
      type: 'open',
      dedupKey: feedAlertDedupKey(feed.sender),
      patientId: null,
      ruleId: FEED_QUIET_RULE_ID,
      kind: 'feed',
      severity,
      notify: true,
      explanation,
      ruleSetVersion: MONITORING_SCHEDULE_VERSION,
      route:
        feed.integrationCareTeamId && feed.siteId
          ? { careTeamId: feed.integrationCareTeamId, reason: `site-integration-team:${feed.siteId}` }
          : null,
    };
  }
  const raised = severityRank(severity) > severityRank(existing.severity);
  return {
    type: 'update',
    alert: existing,
    severity: raised ? severity : existing.severity,
    severityRaised: raised,
    reopen: raised && existing.state === 'acknowledged',
    notify: raised,
    explanation,
  };
}

function feedExplanation(
  feed: DueLabFeedRow,
  status: FeedStatus,
  holdReleased: boolean,
  heldPatients: number,
): FeedAlertExplanation {
  const hours = Math.round((feed.quietAfterMs / 3_600_000) * 10) / 10;
  const since = feed.lastSeenAt?.toISOString() ?? 'never';
  const hold = holdReleased
    ? 'A person released the hold: missed-result alerts of its patients go out.'
    : status.holding
      ? holdingSentence(status, heldPatients)
      : 'The hold has run out: missed-result alerts of its patients go out.';
  return {
    ruleId: FEED_QUIET_RULE_ID,
    title: 'Lab feed quiet',
    evidence: 'alerting-anchors §4 item 6a; rhythm and hold [P]',
    summary: `No message from ${feed.sender} since ${since}; expected at least every ${hours} h (${feed.rhythmSource}). ${hold}`,
    action:
      'Check the lab interface (engine, connection, queue). Results sent late arrive with their observation time and count where they belong.',
    values: [],
    baseline: null,
    previous: null,
    daysSinceLastInfusion: null,
    window: null,
    ruleSetVersion: MONITORING_SCHEDULE_VERSION,
    feed: {
      sender: feed.sender,
      lastSeenAt: feed.lastSeenAt?.toISOString() ?? null,
      quietAt: status.quietAt?.toISOString() ?? null,
      quietAfterHours: hours,
      rhythmSource: feed.rhythmSource,
      holdUntil: status.holdUntil?.toISOString() ?? null,
      criticalHoldUntil: status.criticalHoldUntil?.toISOString() ?? null,
      holdReleased,
      heldPatients,
    },
  };
}

/** What a holding feed holds, and until when: critical alerts 24 h, warnings 7 days (README decision 15). */
function holdingSentence(status: FeedStatus, heldPatients: number): string {
  const patients = `${heldPatients} patient${heldPatients === 1 ? '' : 's'}`;
  const warnings = `warnings until ${status.holdUntil!.toISOString()}`;
  const critical = status.criticalHoldUntil!.toISOString();
  const until = status.holdingCritical
    ? `critical ones until ${critical}, ${warnings}`
    : `${warnings}; critical ones go out (their hold ended ${critical})`;
  return `Holding the missed-result alerts of ${patients} it serves (recorded, not sent): ${until}.`;
}
