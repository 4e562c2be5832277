import { Injectable } from '@nestjs/common';
import { type RuleSet } from '@alem/clinical';
import { AlertLedger, type AppliedAlertChange, ResultGrader } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { QueryFailedError } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { patientScopeOf } from '../common/patient-scope';
import { type RequestActor, userOf } from '../common/request-actor';
import { SiteRuleSetService } from '../rule-sets/site-rule-set.service';
import { type ReleaseResultDto, type ResultReleaseView } from './patient.dto';
import { PatientRepository, type ResultReleaseState } from './patient.repository';

type ReleaseDecision = ResultReleaseView['decisions'][number];

function toDecision(applied: AppliedAlertChange): ReleaseDecision {
  return {
    ruleId: applied.ruleId,
    severity: applied.severity,
    emergency: applied.emergency,
    alertId: applied.alertId,
    alertReference: applied.reference,
    change:
      applied.change.type === 'open'
        ? 'opened'
        : applied.change.severityRaised
          ? 'severity-raised'
          : 'occurrence',
    notificationId: applied.notificationId,
  };
}

/**
 * The alert the grading opens was opened a moment earlier by another writer (the processor grading another
 * result of the patient): nothing of the release was kept, and running it again finds that alert open.
 */
function isOpenAlertRace(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const e = error.driverError as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && e.constraint === 'alerts_open_dedup';
}

const ATTEMPTS = 3;

/** The rules with a tier that holds a result for review (DD-4): their alerts are where a release is told. */
function holdingRuleIds(ruleSet: RuleSet): string[] {
  return ruleSet.rules.filter((r) => r.tiers.some((t) => t.holds)).map((r) => r.id);
}

/**
 * A reviewer's release of a result that a data-quality rule holds from grading (DD-4: a D-dimer that jumps
 * 100-fold or more within 7 days, clinical rules §2 and §4.2), after which it is graded once. In one transaction:
 * the result row is locked (of two simultaneous releases, one grades and the other finds it released), the
 * release is recorded, the value is graded with the rule set the processor uses for the patient's site and
 * indication (`ResultGrader`, the result `released` so that nothing holds it again), the decisions become alerts,
 * occurrences, timeline and notification outbox as the processor's do (`AlertLedger`), a timeline entry on
 * the alert that held the value says who released it, why and what the grading raised, and the audit row.
 */
@Injectable()
export class ResultReleaseService {
  constructor(
    private readonly patients: PatientRepository,
    private readonly ruleSets: SiteRuleSetService,
    private readonly grader: ResultGrader,
    private readonly ledger: AlertLedger,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async release(
    actor: RequestActor,
    patientId: string,
    resultId: string,
    input: ReleaseResultDto,
  ): Promise<ResultReleaseView> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.releaseOnce(actor, patientId, resultId, input);
      } catch (error) {
        if (attempt >= ATTEMPTS || !isOpenAlertRace(error)) throw error;
      }
    }
  }

  private async releaseOnce(
    actor: RequestActor,
    patientId: string,
    resultId: string,
    input: ReleaseResultDto,
  ): Promise<ResultReleaseView> {
    const user = userOf(actor);
    const now = this.clock.now();
    return this.audited.run(actor, 'lab-results', async (m, trail) => {
      // The patient within the caller's scope first: another team's patient is no patient at all (404).
      const patient = await this.patients.find(m, patientScopeOf(actor), patientId);
      if (!patient) throw new NotFoundError('Patient');
      const locked = await this.patients.lockResult(m, patientId, resultId);
      if (!locked) throw new NotFoundError('Result');
      if (locked.releasedAt) throw new ConflictError('This result was already released and graded once');
      if (!locked.reviewHold) {
        throw new ConflictError('This result is not held for review; there is nothing to release');
      }
      if (!locked.current) {
        throw new ConflictError(
          'The lab has corrected or deleted this result since it was held; its current result is graded instead',
        );
      }
      const before: ResultReleaseState = {
        reviewHold: locked.reviewHold,
        releasedAt: null,
        releasedBy: null,
        releaseReason: null,
      };

      const result = await this.patients.releaseResult(m, resultId, {
        by: user.userId,
        reason: input.reason,
        at: now,
      });
      const ruleSet = await this.ruleSets.inForce(m, patient.siteId, patient.indication);
      const grading = await this.grader.grade(m, [result], () => ruleSet);
      const applied = await this.ledger.applyDecisions(m, grading.decisions, now);
      await this.ledger.recordRecoveries(m, grading.recoveries, now);
      const decisions = applied.map(toDecision);

      const reviewAlertIds = await this.patients.reviewAlertIds(m, resultId, holdingRuleIds(ruleSet));
      await this.ledger.note(
        m,
        reviewAlertIds.map((alertId) => ({
          alertId,
          type: 'result-released',
          actorUserId: user.userId,
          detail: {
            resultId,
            reason: input.reason,
            reviewHold: locked.reviewHold,
            ruleSetVersion: ruleSet.version,
            raised: decisions.map((d) => ({
              ruleId: d.ruleId,
              severity: d.severity,
              emergency: d.emergency,
              alertId: d.alertId,
              alertReference: d.alertReference,
              change: d.change,
            })),
          },
        })),
        now,
      );

      const releasedAt = now.toISOString();
      const after: ResultReleaseState = {
        reviewHold: locked.reviewHold,
        releasedAt,
        releasedBy: user.userId,
        releaseReason: input.reason,
      };
      trail.record({
        at: now,
        action: 'result.release',
        entityType: 'result',
        entityId: resultId,
        patientId,
        detail: { before, after, ruleSetVersion: ruleSet.version, reviewAlertIds, decisions },
      });
      return { resultId, releasedAt, releasedBy: user.userId, decisions };
    });
  }
}
