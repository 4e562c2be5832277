import { type Admin } from 'kafkajs';
import { type Pool } from 'pg';
import { TOPICS } from '@alem/messaging';
import { type FeedItem } from './drill-feed';

/** Messages on the results topic the processors' group has not committed yet (null: the broker is away). */
export async function consumerLag(admin: Admin, groupId: string): Promise<number | null> {
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(TOPICS.labResults),
      admin.fetchOffsets({ groupId, topics: [TOPICS.labResults] }),
    ]);
    const done = new Map(committed!.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    return ends.reduce((sum, p) => sum + Math.max(0, Number(p.high) - (done.get(p.partition) ?? 0)), 0);
  } catch {
    return null;
  }
}

/** How many of the feed's results are stored (the quiet wait's measure). */
export async function storedCount(db: Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM results WHERE message_control_id LIKE 'DRILL-%'`,
  );
  return rows[0]!.n;
}

/** What is still owed in the outbox: notifications not dispatched, deliveries not settled. */
export async function outboxState(
  db: Pool,
): Promise<{ notificationsUnsettled: number; deliveriesUnsettled: number; deliveriesFailed: number }> {
  const { rows } = await db.query<{ n: number; d: number; f: number }>(
    `SELECT (SELECT count(*)::int FROM notifications WHERE state IN ('pending', 'queued')) AS n,
            (SELECT count(*)::int FROM deliveries WHERE state IN ('pending', 'queued')) AS d,
            (SELECT count(*)::int FROM deliveries WHERE state = 'failed') AS f`,
  );
  return {
    notificationsUnsettled: rows[0]!.n,
    deliveriesUnsettled: rows[0]!.d,
    deliveriesFailed: rows[0]!.f,
  };
}

export async function storedPerControlId(db: Pool): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: string; n: number }>(
    `SELECT message_control_id AS id, count(*)::int AS n FROM results
     WHERE message_control_id LIKE 'DRILL-%' GROUP BY message_control_id`,
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

export async function deadLetteredPerKey(db: Pool, keys: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ key: string; n: number }>(
    `SELECT message_key AS key, count(*)::int AS n FROM dlq_records WHERE message_key = ANY($1::text[])
     GROUP BY message_key`,
    [keys],
  );
  return new Map(rows.map((r) => [r.key, r.n]));
}

export async function alertsOfRun(
  db: Pool,
  authority: string,
): Promise<Array<{ patient: string; rule: string; reference: string }>> {
  const { rows } = await db.query<{ patient: string | null; rule: string; reference: string }>(
    `SELECT pi.identifier AS patient, a.rule_id AS rule, a.reference
     FROM alerts a LEFT JOIN patient_identifiers pi ON pi.patient_id = a.patient_id AND pi.authority = $1
     ORDER BY a.opened_at`,
    [authority],
  );
  return rows.map((r) => ({ patient: r.patient ?? '(no patient)', rule: r.rule, reference: r.reference }));
}

/** The feed's distinct valid results (control ids) and the malformed items per route. */
export function feedAccount(feed: FeedItem[]): {
  sentResults: string[];
  resendItems: number;
  malformedKafka: string[];
  malformedMllp: string[];
  breachingPatients: string[];
} {
  const valid = new Set<string>();
  const breaching = new Set<string>();
  for (const item of feed) {
    if (item.malformed) continue;
    valid.add(item.controlId);
    if (item.breaching && item.patient) breaching.add(item.patient);
  }
  return {
    sentResults: [...valid],
    resendItems: feed.filter((i) => i.resend).length,
    malformedKafka: feed.filter((i) => i.malformed && i.route === 'kafka').map((i) => i.key),
    malformedMllp: feed.filter((i) => i.malformed && i.route === 'mllp').map((i) => i.controlId),
    breachingPatients: [...breaching],
  };
}

/** Copies each provider accepted, keyed `reference|address`; messages naming no known reference are stray. */
export function copiesByReference(
  messages: Array<{ to: string[]; text: string; at: Date }>,
  references: Set<string>,
): { copies: Map<string, Date[]>; stray: number } {
  const copies = new Map<string, Date[]>();
  let stray = 0;
  for (const m of messages) {
    const reference = /\b([0-9A-Z]{4}-[0-9A-Z]{4})\b/.exec(m.text)?.[1];
    if (!reference || !references.has(reference)) {
      stray++;
      continue;
    }
    for (const address of m.to) {
      const key = `${reference}|${address}`;
      copies.set(key, [...(copies.get(key) ?? []), m.at]);
    }
  }
  return { copies, stray };
}

/**
 * The rows that must exist exactly once, checked in the database itself: one occurrence per alert (each
 * breaching patient sent one result, some of them twice), one notification per alert (nothing escalates within
 * a drill), one delivery per notification and address, and no timeline event written twice.
 */
export async function rowsNotOnce(db: Pool): Promise<string[]> {
  const { rows } = await db.query<{ what: string }>(
    `SELECT 'alert ' || a.reference || ': ' || count(o.id) || ' occurrences' AS what
       FROM alerts a LEFT JOIN alert_occurrences o ON o.alert_id = a.id
       GROUP BY a.id, a.reference HAVING count(o.id) <> 1
     UNION ALL
     SELECT 'alert ' || a.reference || ': ' || count(n.id) || ' notifications'
       FROM alerts a LEFT JOIN notifications n ON n.alert_id = a.id
       GROUP BY a.id, a.reference HAVING count(n.id) <> 1
     UNION ALL
     SELECT 'notification ' || d.notification_id || ': ' || count(*) || ' deliveries to ' || d.address
       FROM deliveries d GROUP BY d.notification_id, d.address HAVING count(*) > 1
     UNION ALL
     SELECT 'alert ' || a.reference || ': event ' || e.type || ' ×' || count(*)
       FROM alert_events e JOIN alerts a ON a.id = e.alert_id
       GROUP BY a.reference, e.type, e.detail::text HAVING count(*) > 1`,
  );
  return rows.map((r) => r.what);
}
