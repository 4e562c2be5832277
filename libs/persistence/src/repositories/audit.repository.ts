import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type AuditAnchors,
  type AuditAnchorVerification,
  type SignedAuditAnchor,
} from '../audit/audit-anchor';
import { AuditChainVerifier, type ChainBreak, type ChainedAuditRow } from '../audit/audit-chain';
import { type AuditActorType, type auditLogTable, type AuditOutcome } from '../tables/audit.tables';
import { type RowOf } from '../tables/table';

/** The kind of information an audited action touched (ASTM E2147 "data type"). */
export type AuditDataCategory =
  | 'authentication'
  | 'access-control'
  | 'patient-demographics'
  | 'treatment'
  | 'lab-results'
  | 'alerts'
  | 'notifications'
  | 'configuration'
  | 'message-payload'
  | 'audit-log';

/** Who acted, and from where when a request carried it. */
export interface AuditActor {
  type: AuditActorType;
  /** User id, API key id, or component name (`notifier`). */
  id: string | null;
  /** How people know the actor (email, key description). */
  label: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
}

export interface AuditEntry {
  actor: AuditActor;
  /** `<entity>.<verb>`: `patient.read`, `alert.acknowledge`, `code-mapping.update`, `auth.login`. */
  action: string;
  entityType?: string | null;
  entityId?: string | null;
  /** The patient whose data was touched, when one was. */
  patientId?: string | null;
  dataCategory: AuditDataCategory;
  outcome?: AuditOutcome;
  /** Free detail; for changes `{ before, after }`. Never secrets (passwords, key secrets). */
  detail?: Record<string, unknown>;
  /** When it happened (the app's clock); the database's time when omitted. */
  at?: Date;
}

export interface AuditVerification {
  /** The chain is intact and every anchor holds. */
  ok: boolean;
  rowsChecked: number;
  /** The last row. */
  head: { seq: string; id: string; hash: string } | null;
  firstBreak: ChainBreak | null;
  /** Every broken link found (at most 100). */
  breaks: ChainBreak[];
  /**
   * The chain against its signed anchors outside the database, which catch what the chain alone cannot: an
   * edit hidden by recomputing every later hash, or a removed tail. Null when no anchors are configured.
   */
  anchors: AuditAnchorVerification | null;
}

const MAX_TEXT = 1000;

// Postgres text and jsonb cannot hold NUL; whatever a client sends must still be recordable.
const clean = (value: string | null | undefined, max = MAX_TEXT): string | null =>
  value === null || value === undefined ? null : value.replaceAll('\u0000', '').slice(0, max);

function detailJson(detail: Record<string, unknown> | undefined): string {
  return JSON.stringify(detail ?? {}, (_key, value: unknown) =>
    typeof value === 'string' ? value.replaceAll('\u0000', '') : value,
  );
}

/**
 * Appends audit rows inside the caller's transaction, so a record exists exactly when what it records does.
 *
 * The database numbers and chains each row under a transaction-scoped advisory lock that is held until the
 * caller commits; append audit rows LAST in a transaction (after the change they record), so that other
 * writers wait for as short a time as possible.
 */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(manager: EntityManager, entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id, patient_id,
                              data_category, outcome, source_ip, user_agent, detail)
       SELECT coalesce(t.occurred_at, now()), t.actor_type, t.actor_id, t.actor_label, t.action, t.entity_type, t.entity_id,
              t.patient_id, t.data_category, t.outcome, t.source_ip, t.user_agent, t.detail
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[])
         WITH ORDINALITY AS t(occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id, patient_id,
                              data_category, outcome, source_ip, user_agent, detail, ord)
       ORDER BY t.ord`,
      [
        entries.map((e) => e.at?.toISOString() ?? null),
        entries.map((e) => e.actor.type),
        entries.map((e) => clean(e.actor.id)),
        entries.map((e) => clean(e.actor.label)),
        entries.map((e) => e.action),
        entries.map((e) => clean(e.entityType)),
        entries.map((e) => clean(e.entityId)),
        entries.map((e) => e.patientId ?? null),
        entries.map((e) => e.dataCategory),
        entries.map((e) => e.outcome ?? 'success'),
        entries.map((e) => clean(e.actor.sourceIp, 100)),
        entries.map((e) => clean(e.actor.userAgent, 500)),
        entries.map((e) => detailJson(e.detail)),
      ],
    );
  }

  /** Appends in a transaction of its own (for events that change nothing else, such as a refused login). */
  async appendAlone(entries: readonly AuditEntry[]): Promise<void> {
    await this.dataSource.transaction((m) => this.append(m, entries));
  }

  /** Verifies the chain (see `verify`), then records the check and its verdict in the log itself. */
  async verifyAndRecord(
    actor: AuditActor,
    options: { at?: Date; anchors?: AuditAnchors | null } = {},
  ): Promise<AuditVerification> {
    const result = await this.verify({ anchors: options.anchors });
    await this.appendAlone([
      {
        actor,
        action: 'audit.verify',
        entityType: 'audit-log',
        dataCategory: 'audit-log',
        outcome: result.ok ? 'success' : 'failure',
        detail: {
          ok: result.ok,
          rowsChecked: result.rowsChecked,
          head: result.head,
          firstBreak: result.firstBreak,
          anchors: result.anchors && {
            checked: result.anchors.checked,
            lastGood: result.anchors.lastGood,
            firstFailure: result.anchors.firstFailure,
            firstProblem: result.anchors.problems[0] ?? null,
          },
        },
        at: options.at,
      },
    ]);
    return result;
  }

  /** The last row of the chain (committed rows are numbered in commit order, so it is the last committed). */
  async head(): Promise<{ seq: string; hash: string } | null> {
    const [row]: Array<{ seq: string; hash: string }> = await this.dataSource.query(
      `SELECT seq::text, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1`,
    );
    return row ?? null;
  }

  /** Signs the chain head and appends it to the anchors' sink; null when the log is empty. */
  async anchor(anchors: AuditAnchors, at: Date): Promise<SignedAuditAnchor | null> {
    const head = await this.head();
    if (!head) return null;
    const anchor = anchors.sign(head, at);
    await anchors.sink.append(anchor);
    return anchor;
  }

  /**
   * Recomputes the whole chain in seq order (pages of `pageSize` rows) and reports the first broken link, and
   * with `anchors` checks every anchor against its row. Linear in the size of the log: about a second per few
   * hundred thousand rows.
   */
  async verify(
    options: { pageSize?: number; anchors?: AuditAnchors | null } = {},
  ): Promise<AuditVerification> {
    const pageSize = options.pageSize ?? 5000;
    // The anchors first: one written while the rows are read names a row this walk may have already passed.
    const anchorChecker = options.anchors ? await options.anchors.checker() : null;
    const verifier = new AuditChainVerifier();
    const breaks: ChainBreak[] = [];
    let after = '0';
    for (;;) {
      const rows: Array<Omit<RowOf<typeof auditLogTable>, 'detail'> & { detail_text: string }> =
        await this.dataSource.query(
          `SELECT id::text, seq::text, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
                patient_id::text, data_category, outcome, source_ip, user_agent, detail::text AS detail_text, prev_hash, hash
         FROM audit_log WHERE seq > $1::bigint ORDER BY audit_log.seq LIMIT $2`,
          [after, pageSize],
        );
      for (const r of rows) {
        const row: ChainedAuditRow = {
          id: r.id,
          seq: r.seq,
          occurredAt: r.occurred_at,
          actorType: r.actor_type,
          actorId: r.actor_id,
          actorLabel: r.actor_label,
          action: r.action,
          entityType: r.entity_type,
          entityId: r.entity_id,
          patientId: r.patient_id,
          dataCategory: r.data_category,
          outcome: r.outcome,
          sourceIp: r.source_ip,
          userAgent: r.user_agent,
          detailText: r.detail_text,
          prevHash: r.prev_hash,
          hash: r.hash,
        };
        const rowBreaks = verifier.check(row);
        for (const b of rowBreaks) if (breaks.length < 100) breaks.push(b);
        anchorChecker?.observe(row, rowBreaks.length > 0);
      }
      if (rows.length < pageSize) break;
      after = rows[rows.length - 1]!.seq;
    }
    const anchors = anchorChecker?.finish() ?? null;
    return {
      ok: breaks.length === 0 && (anchors?.problems.length ?? 0) === 0,
      rowsChecked: verifier.rowsChecked,
      head: verifier.head,
      firstBreak: breaks[0] ?? null,
      breaks,
      anchors,
    };
  }
}

/**
 * The audit row of one notification attempt (written by `DeliveryService.recordAttempt` in its
 * transaction): the notifier, the delivery, the patient the alert is about, and the provider's answer.
 */
export async function appendDeliveryAttemptAudit(
  manager: EntityManager,
  attempt: {
    deliveryId: string;
    attempt: number;
    finishedAt: Date;
    outcome: string;
    providerResponse: string | null;
    providerMessageId: string | null;
  },
): Promise<void> {
  await manager.query(
    `INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id, patient_id,
                            data_category, outcome, detail)
     SELECT $2, 'system', 'notifier', 'notifier', 'notification.attempt', 'delivery', d.id::text, a.patient_id,
            'notifications', CASE WHEN $4 IN ('sent', 'skipped') THEN 'success' ELSE 'failure' END,
            jsonb_build_object('attempt', $3::int, 'result', $4::text, 'channel', d.channel,
                               'notificationId', n.id::text, 'alertId', a.id::text, 'alertReference', a.reference,
                               'contactPointId', d.contact_point_id::text, 'userId', d.user_id::text,
                               'providerResponse', $5::text, 'providerMessageId', $6::text)
     FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id
     WHERE d.id = $1`,
    [
      attempt.deliveryId,
      attempt.finishedAt.toISOString(),
      attempt.attempt,
      attempt.outcome,
      clean(attempt.providerResponse, 500),
      clean(attempt.providerMessageId, 200),
    ],
  );
}
