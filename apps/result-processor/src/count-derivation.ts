import { Injectable, Logger } from '@nestjs/common';
import {
  type AnalyteId,
  deriveAbsoluteCounts,
  type PatientResult,
  type RuleInputResult,
} from '@alem/clinical';
import { type NewResult, qualityFlagsOf, ResultRepository, type SpecimenResultRow } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { derivedCountRecord, specimenKey, toPatientResult } from './result-record';

/** A new result that may complete a specimen's differential. */
const TRIGGERS: ReadonlySet<string> = new Set(['wbc', 'neutrophils-percent', 'lymphocytes-percent']);
/** What the derivation reads of a specimen. */
const SPECIMEN_ANALYTES: readonly AnalyteId[] = [
  'wbc',
  'neutrophils-percent',
  'lymphocytes-percent',
  'neutrophils',
  'lymphocytes',
];

export interface DerivedCounts {
  /** The derived counts stored by this batch, as the rule engine reads them. */
  results: RuleInputResult[];
  /** Earlier derived counts of the same specimens that these replace. */
  superseded: Array<{ resultId: string; by: string }>;
}

/**
 * Clinical rules §4.1: "If only % neutrophils is given, compute ANC = WBC × %/100." Inside the batch transaction,
 * after the new results are stored: for each specimen (patient, collection instant, order) that a new WBC or
 * differential percentage belongs to, derive the absolute counts the lab did not send from the specimen's current
 * results, stored or new (so a WBC that arrives in a later message completes the specimen then), and store them
 * as results of their own, marked derived. Never across specimens; never twice for the same inputs.
 */
@Injectable()
export class CountDerivation {
  private readonly logger = new Logger(CountDerivation.name);

  constructor(private readonly results: ResultRepository) {}

  /** `fresh`: the batch's new results that are current (stored in this transaction). */
  async derive(manager: EntityManager, fresh: readonly NewResult[], now: Date): Promise<DerivedCounts> {
    const none: DerivedCounts = { results: [], superseded: [] };
    const specimens = new Map<string, { patientId: string; observedAt: Date; orderId: string | null }>();
    for (const row of fresh) {
      if (row.analyte === null || !TRIGGERS.has(row.analyte)) continue;
      specimens.set(specimenKey(row.patientId, row.observedAt, row.orderId), {
        patientId: row.patientId,
        observedAt: row.observedAt,
        orderId: row.orderId,
      });
    }
    if (specimens.size === 0) return none;
    const rows = await this.results.specimenResults(manager, [...specimens.values()], SPECIMEN_ANALYTES);
    const bySpecimen = new Map<string, SpecimenResultRow[]>();
    for (const row of rows) {
      const key = specimenKey(row.patient_id, row.observed_at, row.order_id);
      const group = bySpecimen.get(key);
      if (group) group.push(row);
      else bySpecimen.set(key, [row]);
    }

    const records: NewResult[] = [];
    for (const [key, group] of bySpecimen) {
      const specimen = specimens.get(key);
      if (!specimen) continue;
      const { derived, skipped } = deriveAbsoluteCounts(group.map(asResult));
      const byId = new Map(group.map((r) => [String(r.id), r]));
      for (const s of skipped) {
        this.logger.warn(`result ${s.percentResultId}: no ${s.analyte} count derived: ${s.reason}`);
      }
      for (const count of derived) {
        const inputs = count.fromResultIds.join(',');
        const already = group.some(
          (r) => r.analyte === count.analyte && (r.derived_from ?? []).map(String).join(',') === inputs,
        );
        if (already) continue;
        const percent = byId.get(count.fromResultIds[1])!;
        const latest = count.fromResultIds
          .map((id) => byId.get(id)!)
          .reduce((a, r) => (BigInt(r.id) > BigInt(a.id) ? r : a));
        records.push(
          derivedCountRecord(
            { ...specimen, sender: percent.sender, messageControlId: latest.message_control_id },
            count,
            now,
          ),
        );
      }
    }
    if (records.length === 0) return none;
    const { inserted, observations } = await this.results.store(manager, records);
    const stored = records.filter((r) => inserted.has(r.idempotencyKey));
    const reconciliation = await this.results.reconcileObservations(manager, observations, now);
    return {
      results: stored.map((r) => toPatientResult(r, inserted.get(r.idempotencyKey)!)),
      superseded: reconciliation.superseded,
    };
  }
}

/** A specimen row as the derivation reads it. */
function asResult(row: SpecimenResultRow): PatientResult {
  return {
    resultId: String(row.id),
    patientId: row.patient_id,
    analyte: row.analyte,
    loinc: null,
    value: row.value === null ? null : Number(row.value),
    unit: null,
    comparator: row.comparator,
    ordinal: null,
    text: null,
    range: { low: null, high: null, source: 'none' },
    basis: null,
    quality: row.quality,
    qualityReason: null,
    qualityFlags: qualityFlagsOf(row.quality_flags),
    status: row.status,
    observedAt: row.observed_at,
  };
}
