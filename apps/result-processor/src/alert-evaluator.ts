import { Injectable, Logger } from '@nestjs/common';
import { type EvaluationOutput, type RuleInputResult } from '@alem/clinical';
import { ResultGrader } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { ProcessorMetrics } from './processor.metrics';
import { RuleSetCache } from './rule-set-cache';

export type Evaluation = EvaluationOutput;

/**
 * Judges a batch of newly stored results against the alemtuzumab rules in each patient's own context (the rule
 * sets in force for each site, reloaded on change), inside the batch transaction: `ResultGrader`, counted.
 */
@Injectable()
export class AlertEvaluator {
  private readonly logger = new Logger(AlertEvaluator.name);

  constructor(
    private readonly grader: ResultGrader,
    private readonly ruleSets: RuleSetCache,
    private readonly metrics: ProcessorMetrics,
  ) {}

  async evaluate(manager: EntityManager, results: ReadonlyArray<RuleInputResult>): Promise<Evaluation> {
    const grading = await this.grader.grade(manager, results, (siteId, indication) =>
      this.ruleSets.ruleSetFor(siteId, indication),
    );
    for (const patientId of grading.withoutContext) {
      // Enrolled a moment ago and gone now: the results are stored; nothing to grade them against.
      this.logger.warn(`patient ${patientId} has no context; its results are stored but not graded`);
    }
    for (const skip of grading.skipped) this.metrics.notGraded.inc({ reason: skip.reason });
    return grading;
  }
}
