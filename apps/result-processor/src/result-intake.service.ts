import { Injectable, Logger } from '@nestjs/common';
import { type AppConfig, Clock, InjectConfig } from '@alem/runtime';
import { type RuleInputResult } from '@alem/clinical';
import { labResultKey } from '@alem/events';
import { type InboundBatch, type InboundMessage } from '@alem/messaging';
import {
  type AppliedAlertChange,
  AlertLedger,
  DlqRepository,
  type EnrolledPatient,
  type NewResult,
  type NewSourceMessage,
  ResultRepository,
  sourceMessageKey,
} from '@alem/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { AlertEvaluator } from './alert-evaluator';
import { CodeMappingCache } from './code-mapping-cache';
import { CountDerivation } from './count-derivation';
import { type DeadLetter, DeadLetterPublisher, toDlqRecord } from './dead-letter.publisher';
import { EnrolmentCache, lookupIn, type PatientIdentity } from './enrolment-cache';
import { FeedActivityRecorder } from './feed-activity.recorder';
import { ProcessorMetrics } from './processor.metrics';
import { decodeMessage, type DecodeOptions } from './result-decoder';
import { toNewResult, toPatientResult } from './result-record';
import { SenderRegistrationCache } from './sender-registration-cache';
import { isDataError } from './store-failure';

export interface BatchOutcome {
  messages: number;
  stored: number;
  duplicates: number;
  notEnrolled: number;
  deadLettered: number;
  alertChanges: AppliedAlertChange[];
}

interface StoreOutcome {
  stored: number;
  duplicates: number;
  alertChanges: AppliedAlertChange[];
}

/** What one batch brings to store: results, the original messages behind them, and dead letters. */
interface BatchContent {
  rows: NewResult[];
  sources: NewSourceMessage[];
  letters: DeadLetter[];
}

const EMPTY: StoreOutcome = { stored: 0, duplicates: 0, alertChanges: [] };
const EVALUATED_STATUSES = new Set(['final', 'corrected', 'preliminary']);

/**
 * Takes one Kafka batch: decode and validate every message (JSON events and HL7 v2 ORU^R01), drop results of
 * patients who are not enrolled, dead-letter what cannot be taken, and in ONE transaction store the results
 * (idempotently) with their original HL7 messages, reconcile corrections and deletions, derive the absolute
 * counts a differential sent only in percent (§4.1), evaluate the rules on the results that are new and current,
 * record the results a data-quality rule holds for review, and write alerts, their timeline and the notification
 * outbox. Only results inserted by this transaction are evaluated, so a redelivered batch changes nothing.
 */
@Injectable()
export class ResultIntakeService {
  private readonly logger = new Logger(ResultIntakeService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly enrolment: EnrolmentCache,
    private readonly codeMappings: CodeMappingCache,
    private readonly senders: SenderRegistrationCache,
    private readonly results: ResultRepository,
    private readonly ledger: AlertLedger,
    private readonly dlq: DlqRepository,
    private readonly feeds: FeedActivityRecorder,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly evaluator: AlertEvaluator,
    private readonly counts: CountDerivation,
    private readonly clock: Clock,
    private readonly metrics: ProcessorMetrics,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async processBatch(batch: InboundBatch): Promise<BatchOutcome> {
    const stopTimer = this.metrics.batchSeconds.startTimer();
    const now = this.clock.now();
    const { content, notEnrolled } = await this.decodeEnrolled(batch, now);
    const { rows, letters } = content;

    let outcome: StoreOutcome = EMPTY;
    if (rows.length > 0 || letters.length > 0) {
      if (letters.length > 0) await this.deadLetters.publish(letters, now);
      try {
        outcome = await this.store(content, now);
      } catch (error) {
        if (!isDataError(error)) {
          this.metrics.batchFailures.inc({ kind: 'transient' });
          throw error;
        }
        this.metrics.batchFailures.inc({ kind: 'data' });
        this.logger.warn(
          `batch ${batch.topic}/${batch.partition}@${batch.messages[0]?.offset}: ${(error as Error).message}; isolating messages`,
        );
        outcome = await this.storeIsolating(batch.messages, content, now);
      }
    }

    const lettered = new Set(content.letters.map((l) => l.message.offset));
    const partial = new Set(rows.filter((r) => lettered.has(r.sourceOffset!)).map((r) => r.sourceOffset));
    const deadLettered = lettered.size - partial.size;
    this.metrics.messages.inc({ outcome: 'taken' }, batch.messages.length - lettered.size);
    if (partial.size > 0) this.metrics.messages.inc({ outcome: 'partially_taken' }, partial.size);
    if (deadLettered > 0) this.metrics.messages.inc({ outcome: 'dead_lettered' }, deadLettered);
    this.metrics.results.inc({ outcome: 'stored' }, outcome.stored);
    this.metrics.results.inc({ outcome: 'duplicate' }, outcome.duplicates);
    this.metrics.results.inc({ outcome: 'not_enrolled' }, notEnrolled);
    for (const c of outcome.alertChanges) {
      const change =
        c.change.type === 'open' ? 'opened' : c.change.severityRaised ? 'severity_raised' : 'occurrence';
      this.metrics.alerts.inc({ rule: c.ruleId, severity: c.severity, change });
    }
    stopTimer();
    return {
      messages: batch.messages.length,
      stored: outcome.stored,
      duplicates: outcome.duplicates,
      notEnrolled,
      deadLettered,
      alertChanges: outcome.alertChanges,
    };
  }

  /**
   * Decodes the batch against the enrolment cache, and trusts its misses only if the cache was confirmed when
   * the batch was decoded. Otherwise (its listener is down, or a change was notified and the reload is not done)
   * the batch's missed patients are looked up in Postgres in one query, and the batch is decoded again if any of
   * them is enrolled: a result of a patient enrolled a moment ago, or while Postgres was restarting, is taken
   * rather than dropped as not enrolled. While confirmed, which is nearly always, misses cost no query: most of
   * the feed is misses, and a query per batch would be the hot path's largest cost.
   *
   * Why no more than this: what the cache cannot know is a change whose notification has not reached this
   * process yet. That notification crosses one connection from Postgres while the result that follows the
   * enrolment has to cross Kafka, so the gap is rare and short; closing it would take a database round trip per
   * batch (e.g. on the listener's own connection, answered after the notifications Postgres holds for it).
   */
  private async decodeEnrolled(
    batch: InboundBatch,
    now: Date,
  ): Promise<{ content: BatchContent; notEnrolled: number }> {
    // Read before decoding: decoding is synchronous, so the cache cannot change between this and the lookups.
    const confirmed = this.enrolment.confirmed;
    if (confirmed) return this.decodeBatch(batch.messages, now, (patient) => this.enrolment.lookup(patient));

    const missed = new Map<string, PatientIdentity>();
    const decoded = this.decodeBatch(batch.messages, now, (patient) => {
      const found = this.enrolment.lookup(patient);
      if (!found) missed.set(labResultKey(patient), patient);
      return found;
    });
    if (missed.size === 0) return decoded;
    let enrolled: Map<string, EnrolledPatient>;
    try {
      enrolled = await this.enrolment.findEnrolled(missed.values());
    } catch (error) {
      this.metrics.batchFailures.inc({ kind: 'transient' });
      throw error;
    }
    this.metrics.enrolmentChecks.inc({ outcome: enrolled.size > 0 ? 'enrolled_found' : 'none_enrolled' });
    if (enrolled.size === 0) return decoded;
    const again = this.decodeBatch(
      batch.messages,
      now,
      (patient) => this.enrolment.lookup(patient) ?? lookupIn(enrolled, patient),
    );
    this.logger.log(
      `batch ${batch.topic}/${batch.partition}@${batch.messages[0]?.offset}: ${decoded.notEnrolled - again.notEnrolled} result(s) of patients the enrolment cache did not know yet were taken (cache not confirmed)`,
    );
    return again;
  }

  /** Decoding is pure but for `feeds.seen`, which keeps the latest time per sender: decoding twice is harmless. */
  private decodeBatch(
    messages: readonly InboundMessage[],
    now: Date,
    lookup: (patient: PatientIdentity) => EnrolledPatient | undefined,
  ): { content: BatchContent; notEnrolled: number } {
    const options: DecodeOptions = {
      isEnrolled: (patient) => lookup(patient) !== undefined,
      hl7DefaultTimeZone: this.config.hl7.defaultTimeZone,
      hl7MaxObservations: this.config.hl7.maxObservations,
      hl7TimeZoneFor: (sender) => this.senders.timeZoneOf(sender),
    };
    const mappings = this.codeMappings.table;
    const rows = new Map<string, NewResult>();
    const sources = new Map<string, NewSourceMessage>();
    const letters: DeadLetter[] = [];
    let notEnrolled = 0;
    for (const message of messages) {
      const decoded = decodeMessage(message, options);
      if (!decoded.ok) {
        letters.push({ message, reason: decoded.reason, contentType: decoded.contentType });
        continue;
      }
      notEnrolled += decoded.notEnrolled;
      if (decoded.sender) this.feeds.seen(decoded.sender, message.timestamp);
      if (decoded.partial)
        letters.push({ message, reason: decoded.partial, contentType: decoded.contentType });
      if (decoded.source) {
        const { sender, controlId, contentType, body } = decoded.source;
        sources.set(sourceMessageKey(sender, controlId), {
          sender,
          messageControlId: controlId,
          contentType,
          body,
          receivedAt: new Date(message.timestamp),
          sourceTopic: message.topic,
          sourcePartition: message.partition,
          sourceOffset: message.offset,
        });
      }
      for (const event of decoded.events) {
        const patient = lookup(event.patient);
        if (!patient) {
          notEnrolled++;
          continue;
        }
        const row = toNewResult(event, patient.patientId, message, now, mappings);
        rows.set(row.idempotencyKey, row);
      }
    }
    return { content: { rows: [...rows.values()], sources: [...sources.values()], letters }, notEnrolled };
  }

  private store(content: BatchContent, now: Date): Promise<StoreOutcome> {
    return this.dataSource.transaction((manager) => this.storeIn(manager, content, now));
  }

  private async storeIn(
    manager: EntityManager,
    { rows, sources, letters }: BatchContent,
    now: Date,
  ): Promise<StoreOutcome> {
    await this.dlq.record(manager, letters.map(toDlqRecord));
    if (rows.length === 0) return EMPTY;
    if (sources.length > 0) {
      const sourceIds = await this.results.insertSourceMessages(manager, sources);
      for (const row of rows)
        row.sourceMessageId = sourceIds.get(sourceMessageKey(row.sender, row.messageControlId)) ?? null;
    }
    // Stored, with their patients' monitoring woken (missed results may now be met), in one statement.
    const { inserted, observations } = await this.results.store(manager, rows);
    const fresh = rows.filter((r) => inserted.has(r.idempotencyKey));
    if (fresh.length === 0) return { stored: 0, duplicates: rows.length, alertChanges: [] };

    const reconciliation = await this.results.reconcileObservations(manager, observations, now);
    // A stale result that arrived after the one replacing it is stored, superseded at once, and not evaluated.
    const notCurrent = new Set([
      ...reconciliation.superseded.map((s) => s.resultId),
      ...reconciliation.retracted,
    ]);
    // A count derived from a result that is no longer current says what the lab no longer says: withdrawn, with
    // its alert occurrences; the specimen's current results derive it again below when they can.
    const deleted = new Set(reconciliation.retracted);
    const withdrawn = await this.results.withdrawDerivedFrom(manager, [...notCurrent], now);
    await this.ledger.retractOccurrences(
      manager,
      [
        ...reconciliation.superseded.map((s) => ({
          resultId: s.resultId,
          reason: 'superseded' as const,
          by: s.by,
        })),
        ...reconciliation.retracted.map((resultId) => ({ resultId, reason: 'deleted' as const })),
        ...withdrawn.map((w) => ({
          resultId: w.resultId,
          reason: w.derivedFrom.some((id) => deleted.has(id))
            ? ('deleted' as const)
            : ('superseded' as const),
        })),
      ],
      now,
    );
    const currentRows = fresh.filter(
      (r) => EVALUATED_STATUSES.has(r.status) && !notCurrent.has(inserted.get(r.idempotencyKey)!),
    );
    const derived = await this.counts.derive(manager, currentRows, now);
    await this.ledger.retractOccurrences(
      manager,
      derived.superseded.map((s) => ({ resultId: s.resultId, reason: 'superseded' as const, by: s.by })),
      now,
    );
    const current: RuleInputResult[] = currentRows.map((r) => {
      const result: RuleInputResult = toPatientResult(r, inserted.get(r.idempotencyKey)!);
      result.original = { value: r.valueOriginal, unit: r.unitOriginal };
      return result;
    });
    current.push(...derived.results);
    const evaluation = await this.evaluator.evaluate(manager, current);
    // A result a data-quality rule holds (DD-4: an implausible jump) waits for a reviewer's release.
    await this.results.holdForReview(
      manager,
      evaluation.held.map((h) => ({ resultId: h.resultId, reason: `${h.ruleId} ${h.tier}: ${h.reason}` })),
    );
    const alertChanges = await this.ledger.applyDecisions(manager, evaluation.decisions, now);
    this.metrics.recoveries.inc(await this.ledger.recordRecoveries(manager, evaluation.recoveries, now));
    if (derived.results.length > 0) this.metrics.results.inc({ outcome: 'derived' }, derived.results.length);
    return { stored: fresh.length, duplicates: rows.length - fresh.length, alertChanges };
  }

  /**
   * The database refused something in the batch: store message by message, and dead-letter each message that
   * is refused on its own, with the database's reason. Messages stored before are skipped by their keys.
   */
  private async storeIsolating(
    messages: readonly InboundMessage[],
    content: BatchContent,
    now: Date,
  ): Promise<StoreOutcome> {
    const total: StoreOutcome = { stored: 0, duplicates: 0, alertChanges: [] };
    await this.store({ rows: [], sources: [], letters: content.letters }, now);
    for (const message of messages) {
      const rows = content.rows.filter(
        (r) => r.sourceOffset === message.offset && r.sourcePartition === message.partition,
      );
      if (rows.length === 0) continue;
      const sources = content.sources.filter(
        (s) => s.sourceOffset === message.offset && s.sourcePartition === message.partition,
      );
      try {
        const one = await this.store({ rows, sources, letters: [] }, now);
        total.stored += one.stored;
        total.duplicates += one.duplicates;
        total.alertChanges.push(...one.alertChanges);
      } catch (error) {
        if (!isDataError(error)) throw error;
        const letter: DeadLetter = {
          message,
          reason: `database refused the result: ${(error as Error).message}`,
          contentType: message.headers['content-type'] ?? null,
        };
        await this.deadLetters.publish([letter], now);
        await this.store({ rows: [], sources: [], letters: [letter] }, now);
        content.letters.push(letter);
      }
    }
    return total;
  }
}
