import { Injectable, Logger } from '@nestjs/common';
import {
  evaluateBatch,
  type EvaluationInput,
  type EvaluationOutput,
  historyWindowsFor,
  type PatientContext,
  type PatientResult,
  type RuleInputResult,
} from '@alem/clinical';
import { RuleContextRepository } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { ProcessorMetrics } from './processor.metrics';
import { RuleSetCache } from './rule-set-cache';

export type Evaluation = EvaluationOutput;

/**
 * Judges a batch of newly stored results against the alemtuzumab rules in each patient's own context. Runs
 * inside the batch transaction, with three statements for the whole batch whatever its size: the patients'
 * contexts, their history as the engine asks for it, and their open alerts' rules.
 */
@Injectable()
export class AlertEvaluator {
  private readonly logger = new Logger(AlertEvaluator.name);

  constructor(
    private readonly repository: RuleContextRepository,
    private readonly ruleSets: RuleSetCache,
    private readonly metrics: ProcessorMetrics,
  ) {}

  async evaluate(manager: EntityManager, results: ReadonlyArray<RuleInputResult>): Promise<Evaluation> {
    if (results.length === 0) return { decisions: [], recoveries: [], skipped: [], held: [] };
    const patientIds = [...new Set(results.map((r) => r.patientId))];
    const contexts = await this.repository.loadContexts(manager, patientIds);
    const byPatient = new Map<string, RuleInputResult[]>();
    for (const result of results) {
      const list = byPatient.get(result.patientId);
      if (list) list.push(result);
      else byPatient.set(result.patientId, [result]);
    }
    const siteOf = new Map<string, string>();
    const inputs: Array<Pick<EvaluationInput, 'context' | 'results'>> = [];
    for (const patientId of patientIds) {
      const found = contexts.get(patientId);
      if (!found) {
        // Enrolled a moment ago and gone now: the results are stored; nothing to grade them against.
        this.logger.warn(`patient ${patientId} has no context; its results are stored but not graded`);
        continue;
      }
      siteOf.set(patientId, found.siteId);
      inputs.push({
        context: found.context,
        results: inObservedOrder(byPatient.get(patientId)!),
      });
    }
    const select = (context: PatientContext) =>
      this.ruleSets.ruleSetFor(siteOf.get(context.patientId)!, context.indication);
    const history = await this.repository.loadHistory(manager, historyWindowsFor(inputs, select));
    const open = await this.repository.openAlertRuleIds(manager, patientIds);
    const output = evaluateBatch(
      inputs.map((input) => ({
        ...input,
        history: history.get(input.context.patientId) ?? [],
        openAlertRuleIds: open.get(input.context.patientId) ?? [],
      })),
      select,
    );
    for (const skip of output.skipped) this.metrics.notGraded.inc({ reason: skip.reason });
    return output;
  }
}

function inObservedOrder<T extends PatientResult>(results: T[]): T[] {
  return [...results].sort(
    (a, b) => a.observedAt.getTime() - b.observedAt.getTime() || Number(a.resultId) - Number(b.resultId),
  );
}
