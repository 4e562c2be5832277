import { Inject, Injectable } from '@nestjs/common';
import { analyteById, type AnalyteId, type ExplainedValue } from '@alem/clinical';
import {
  AcknowledgementTokenError,
  type AcknowledgementTokenClaims,
  verifyAcknowledgementToken,
} from '@alem/notifications';
import { AlertLedger, EscalationRepository } from '@alem/persistence';
import { Clock, histogram } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { AccessDeniedError, ConflictError, NotFoundError } from '../common/domain.errors';
import { patientScopeOf } from '../common/patient-scope';
import { type RequestActor, userOf } from '../common/request-actor';
import { type AcknowledgementView, type ReadBackView } from './acknowledgement.dto';
import { LinkExpiredError } from './acknowledgement.errors';
import { AcknowledgementRepository, type LinkedAlertRow } from './acknowledgement.repository';

export const ACK_TOKEN_SECRET = Symbol('ACK_TOKEN_SECRET');

/** The same histogram as the alert endpoints' (one registry, one metric): time from opening to acknowledgement. */
const timeToAcknowledge = histogram({
  name: 'alem_alert_time_to_acknowledge_seconds',
  help: 'Time from an alert opening to its acknowledgement by a person, by severity and rule',
  labelNames: ['severity', 'rule'] as const,
  buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800],
});

function testName(analyte: string | null): string | null {
  if (!analyte) return null;
  try {
    return analyteById(analyte as AnalyteId).name;
  } catch {
    return analyte;
  }
}

/** How far back the read-back's trend chart looks. */
const TREND_DAYS = 365;

const toResult = (v: ExplainedValue) => ({
  analyte: v.analyte,
  test: testName(v.analyte),
  loinc: v.loinc,
  value: v.value,
  unit: v.unit,
  referenceRange: v.range ? { low: v.range.low, high: v.range.high } : null,
  observedAt: v.observedAt,
});

/**
 * The closed loop through the link in an alert message (TJC NPSG.02.03.01, [TJC-EMSG]): the token proves which
 * message the person followed; the person signs in; the admin API checks they may see the patient; the read-back
 * shows who, which test and which value (audited); the acknowledgement records who, when and which delivery and
 * notification led to it, writes the timeline and the audit log, and stops the escalation, in one transaction.
 * A link acknowledges once.
 */
@Injectable()
export class AcknowledgementService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly links: AcknowledgementRepository,
    private readonly ledger: AlertLedger,
    private readonly escalations: EscalationRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
    @Inject(ACK_TOKEN_SECRET) private readonly secret: string,
  ) {}

  /**
   * What a link's token names. An expired but genuine link is refused (410) with the alert's reference when
   * the person may see its patient, so the console can offer the alert instead; a person who may not gets the
   * same 403 as for a live link.
   */
  private async claims(
    actor: RequestActor,
    token: string,
    action: string,
  ): Promise<AcknowledgementTokenClaims> {
    try {
      return verifyAcknowledgementToken(this.secret, token, this.clock.now());
    } catch (error) {
      const expired = error instanceof AcknowledgementTokenError ? error.expiredClaims : null;
      if (expired) {
        const row = await this.dataSource.transaction(async (m) => {
          const found = await this.links.findByDelivery(m, expired.deliveryId);
          if (found) await this.authorise(m, actor, found, action);
          return found;
        });
        throw new LinkExpiredError(
          'This acknowledgement link has expired; open the alert from your alert list',
          row ? { alertId: row.alert_id, reference: row.reference } : undefined,
        );
      }
      // A forged or mangled link is indistinguishable from no link at all.
      throw new NotFoundError('Acknowledgement link');
    }
  }

  /** Refuses (403, audited) a person who may not see the alert's patient. */
  private async authorise(
    m: EntityManager,
    actor: RequestActor,
    row: LinkedAlertRow,
    action: string,
  ): Promise<void> {
    const scope = patientScopeOf(actor);
    const allowed =
      scope.kind === 'all' ||
      (scope.kind === 'care-teams-of' && (await this.links.isMember(m, scope.userId, row.care_team_id)));
    if (allowed) return;
    await this.audited.alone(actor, 'alerts', [
      {
        action,
        entityType: 'alert',
        entityId: row.alert_id,
        patientId: row.patient_id,
        outcome: 'denied',
        detail: { via: 'link', deliveryId: row.delivery_id },
      },
    ]);
    throw new AccessDeniedError('You may not see the patient this alert is about');
  }

  /** The read-back: patient, test and value, behind sign-in and the patient scope; the read is audited. */
  async readBack(actor: RequestActor, token: string): Promise<ReadBackView> {
    const claims = await this.claims(actor, token, 'alert.read-back');
    return this.audited.run(actor, 'alerts', async (m, trail) => {
      const row = await this.links.findByDelivery(m, claims.deliveryId);
      if (!row) throw new NotFoundError('Acknowledgement link');
      await this.authorise(m, actor, row, 'alert.read-back');
      trail.record({
        action: 'alert.read-back',
        entityType: 'alert',
        entityId: row.alert_id,
        patientId: row.patient_id,
        detail: { via: 'link', deliveryId: row.delivery_id, notificationId: row.notification_id },
      });
      const e = row.explanation;
      const trend = await this.trendOf(m, row);
      return {
        alert: {
          id: row.alert_id,
          reference: row.reference,
          kind: row.kind,
          ruleId: row.rule_id,
          severity: row.severity,
          emergency: row.emergency,
          state: row.state,
          title: e.title,
          summary: e.summary,
          action: e.action,
          openedAt: row.opened_at.toISOString(),
          acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
          acknowledgedBy: row.acknowledged_by,
        },
        patient: row.patient_id
          ? {
              id: row.patient_id,
              displayName: row.display_name,
              birthDate: row.birth_date,
              identifiers: row.identifiers ?? [],
            }
          : null,
        results: (e.values ?? []).map(toResult),
        explanation: e as unknown as Record<string, unknown>,
        trend,
        link: {
          deliveryId: row.delivery_id,
          notificationId: row.notification_id,
          channel: row.channel,
          tier: row.tier,
          recipientUserId: row.recipient_user_id,
          expiresAt: claims.expiresAt.toISOString(),
          usedAt: row.used_at?.toISOString() ?? null,
          usable: row.used_at === null && row.state === 'open',
        },
      };
    });
  }

  /** The alert's (first) analyte over the last 12 months, with infusion days and the rule's thresholds. */
  private async trendOf(m: EntityManager, row: LinkedAlertRow): Promise<ReadBackView['trend']> {
    const analyte = row.explanation.values?.find((v) => v.analyte)?.analyte ?? null;
    if (!row.patient_id || !analyte) return null;
    const since = new Date(this.clock.now().getTime() - TREND_DAYS * 86_400_000);
    const points = await this.links.trend(m, row.patient_id, analyte, since);
    return {
      analyte,
      test: testName(analyte),
      unit: points.find((p) => p.unit)?.unit ?? row.explanation.values?.[0]?.unit ?? null,
      points: points.map((p) => ({
        observedAt: p.observed_at.toISOString(),
        value: Number(p.value),
        comparator: p.comparator,
      })),
      infusionDates: await this.links.infusionDates(m, row.patient_id),
      thresholds: row.explanation.thresholds ?? {},
    };
  }

  async acknowledge(actor: RequestActor, token: string, note?: string): Promise<AcknowledgementView> {
    const user = userOf(actor);
    const claims = await this.claims(actor, token, 'alert.acknowledge');
    const now = this.clock.now();
    const result = await this.audited.run(actor, 'alerts', async (m, trail) => {
      const row = await this.links.findByDelivery(m, claims.deliveryId, true);
      if (!row) throw new NotFoundError('Acknowledgement link');
      await this.authorise(m, actor, row, 'alert.acknowledge');
      const alert = { alertId: row.alert_id, reference: row.reference };
      if (row.used_at) throw new ConflictError('This acknowledgement link was already used', alert);
      if (row.state !== 'open') {
        throw new ConflictError(
          row.state === 'acknowledged' ? 'The alert is already acknowledged' : 'The alert is resolved',
          alert,
        );
      }
      const { acknowledgementId, detail } = await this.ledger.acknowledge(m, {
        alertId: row.alert_id,
        userId: user.userId,
        at: now,
        note,
        link: {
          deliveryId: row.delivery_id,
          notificationId: row.notification_id,
          channel: row.channel,
          tier: row.tier,
        },
      });
      // The alerts trigger stops the escalation too; saying it here keeps the rule visible where it matters.
      await this.escalations.stop(m, row.alert_id, 'acknowledged', now);
      trail.record({
        action: 'alert.acknowledge',
        entityType: 'alert',
        entityId: row.alert_id,
        patientId: row.patient_id,
        detail: {
          before: { state: row.state, acknowledgedAt: null, acknowledgedBy: null },
          after: { state: 'acknowledged', acknowledgedAt: now.toISOString(), acknowledgedBy: user.userId },
          ...detail,
        },
      });
      return { row, acknowledgementId: acknowledgementId! };
    });
    timeToAcknowledge.observe(
      { severity: result.row.severity, rule: result.row.rule_id },
      Math.max(0, (now.getTime() - result.row.opened_at.getTime()) / 1000),
    );
    return {
      acknowledgementId: result.acknowledgementId,
      alertId: result.row.alert_id,
      reference: result.row.reference,
      state: 'acknowledged',
      acknowledgedAt: now.toISOString(),
      acknowledgedBy: user.userId,
      via: 'link',
      deliveryId: result.row.delivery_id,
      notificationId: result.row.notification_id,
    };
  }
}
