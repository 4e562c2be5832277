import type { Schemas } from '../../api/client';

type AlertItem = Schemas['AlertDto'];
type Overdue = Schemas['OverduePageDto']['items'][number];

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
