import type { Schemas } from '../../api/client';

type AlertItem = Schemas['AlertDto'];
type Overdue = Schemas['OverduePageDto']['items'][number];

/** The nearest-rank percentile (p in 0–100) of values; null without values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const LIMIT_BUCKETS = [
  'past the limit',
  'under 5 min left',
  '5–15 min left',
  'over 15 min left',
  'no escalation',
] as const;

/** Where an open critical alert stands against its acknowledgement limit (when the next tier is paged). */
export function limitBucket(alert: AlertItem, now: number): (typeof LIMIT_BUCKETS)[number] {
  const next = alert.escalation?.nextAt ? new Date(alert.escalation.nextAt).getTime() : null;
  if (next === null) return 'no escalation';
  const left = next - now;
  if (left <= 0) return 'past the limit';
  if (left < 5 * 60_000) return 'under 5 min left';
  if (left < 15 * 60_000) return '5–15 min left';
  return 'over 15 min left';
}

export interface AckTimes {
  severity: string;
  acknowledged: number;
  opened: number;
  p50: number | null;
  p95: number | null;
}

/**
 * Time to acknowledge by severity, in minutes, from the listed alerts themselves (openedAt → acknowledgedAt).
 * Alerts never acknowledged (still open, or resolved without it) count in `opened` but not in the times.
 */
export function ackTimes(alerts: AlertItem[]): AckTimes[] {
  return ['critical', 'warning', 'info'].map((severity) => {
    const of = alerts.filter((a) => a.severity === severity);
    const minutes = of
      .filter((a) => a.acknowledgedAt)
      .map((a) => (new Date(a.acknowledgedAt!).getTime() - new Date(a.openedAt).getTime()) / 60_000)
      .filter((m) => m >= 0);
    const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
    return {
      severity,
      acknowledged: minutes.length,
      opened: of.length,
      p50: round(percentile(minutes, 50)),
      p95: round(percentile(minutes, 95)),
    };
  });
}

export interface OverdueByTest {
  test: string;
  critical: number;
  warning: number;
  other: number;
}

/** Overdue expectations counted per test (the rule that expects it), the worst first. */
export function overdueByTest(items: Overdue[]): OverdueByTest[] {
  const rows = new Map<string, OverdueByTest>();
  for (const item of items) {
    const row = rows.get(item.ruleId) ?? { test: item.ruleId, critical: 0, warning: 0, other: 0 };
    if (item.status === 'overdue-critical') row.critical += 1;
    else if (item.status === 'overdue-warning') row.warning += 1;
    else row.other += 1;
    rows.set(item.ruleId, row);
  }
  return [...rows.values()].sort(
    (a, b) => b.critical - a.critical || b.warning - a.warning || a.test.localeCompare(b.test),
  );
}
