import { Injectable } from '@nestjs/common';
import {
  evaluateBatch,
  type EvaluationInput,
  type EvaluationOutput,
  historyWindowsFor,
  type PatientContext,
  type PatientResult,
  type RuleInputResult,
  type RuleSet,
  standInsFor,
} from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { RuleContextRepository } from '../repositories/rule-context.repository';

/** The rule set in force for a patient of this site and indication (site overrides applied). */
export type RuleSetForSite = (siteId: string, indication: 'MS' | 'CLL') => RuleSet;

export interface Grading extends EvaluationOutput {
  /** Patients whose results are stored but could not be graded: no context (unenrolled a moment ago). */
  withoutContext: string[];
}

/**
 * Judges stored results against the alemtuzumab rules in each patient's own context, inside the caller's
 * transaction, with two statements whatever the number of results (a third when a baseline is missing): the
 * patients' contexts with their open alerts' rules, and their history as the engine asks for it. The one way results
 * are graded: the processor grades each batch's new results with it, and the admin API a result a reviewer
 * releases from a data-quality hold.
 */
@Injectable()
export class ResultGrader {
  constructor(private readonly repository: RuleContextRepository) {}

  async grade(
    manager: EntityManager,
    results: ReadonlyArray<RuleInputResult>,
    ruleSetFor: RuleSetForSite,
  ): Promise<Grading> {
    const empty: Grading = { decisions: [], recoveries: [], skipped: [], held: [], withoutContext: [] };
    if (results.length === 0) return empty;
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
    const withoutContext: string[] = [];
    for (const patientId of patientIds) {
      const found = contexts.get(patientId);
      if (!found) {
        withoutContext.push(patientId);
        continue;
      }
      siteOf.set(patientId, found.siteId);
      inputs.push({ context: found.context, results: inObservedOrder(byPatient.get(patientId)!) });
    }
    const select = (context: PatientContext) =>
      ruleSetFor(siteOf.get(context.patientId)!, context.indication);
    const windows = historyWindowsFor(inputs, select);
    const history = await this.repository.loadHistory(manager, windows);
    // Missing baselines only: what stands in for them (the values since the course began), in a second read.
    const standIns = windows.flatMap((w) => standInsFor(w, history.get(w.patientId) ?? []));
    if (standIns.length > 0) {
      for (const [patientId, rows] of await this.repository.loadStandIns(manager, standIns)) {
        const known = history.get(patientId) ?? [];
        const ids = new Set(known.map((r) => r.resultId));
        history.set(patientId, [...known, ...rows.filter((r) => !ids.has(r.resultId))]);
      }
    }
    const output = evaluateBatch(
      inputs.map((input) => ({
        ...input,
        history: history.get(input.context.patientId) ?? [],
        openAlertRuleIds: contexts.get(input.context.patientId)!.openAlertRuleIds,
      })),
      select,
    );
    return { ...output, withoutContext };
  }
}

function inObservedOrder<T extends PatientResult>(results: T[]): T[] {
  return [...results].sort(
    (a, b) => a.observedAt.getTime() - b.observedAt.getTime() || Number(a.resultId) - Number(b.resultId),
  );
}
