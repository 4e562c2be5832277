import { Injectable } from '@nestjs/common';
import {
  type HistoryWindow,
  type PatientContext,
  type PatientFlags,
  type RuleInputResult,
  type RuleOverride,
  type StandInWindow,
} from '@alem/clinical';
import { DataSource, type EntityManager } from 'typeorm';
import { type resultsTable } from '../tables/result.tables';
import { type RowOf } from '../tables/table';
import { qualityFlagsOf } from './result.repository';

/** A patient's rule context, the site whose rule set (with its overrides) applies, and the open alerts' rules. */
export interface PatientRuleContext {
  siteId: string;
  context: PatientContext;
  /** The rule ids of the patient's open (not resolved) alerts. */
  openAlertRuleIds: string[];
}

/** The latest override list per site and indication. */
export interface SiteRuleOverrides {
  siteId: string;
  indication: 'MS' | 'CLL';
  version: number;
  overrides: RuleOverride[];
}

/** The columns of a stored result the rule engine reads (`RULE_INPUT_COLUMNS`). */
type ResultRow = Pick<
  RowOf<typeof resultsTable>,
  | 'id'
  | 'patient_id'
  | 'analyte'
  | 'loinc'
  | 'value'
  | 'unit'
  | 'comparator'
  | 'ordinal'
  | 'value_type'
  | 'value_original'
  | 'unit_original'
  | 'range_low'
  | 'range_high'
  | 'range_source'
  | 'basis'
  | 'status'
  | 'quality'
  | 'quality_reason'
  | 'quality_flags'
  | 'observed_at'
  | 'reported_unit'
  | 'derived_from'
  | 'derivation'
> & { released: boolean };

const num = (v: string | null): number | null => (v === null ? null : Number(v));

/** A stored result as the rule engine reads it. */
export function ruleInputFromRow(r: ResultRow): RuleInputResult {
  return {
    resultId: String(r.id),
    patientId: r.patient_id,
    analyte: r.analyte,
    loinc: r.loinc,
    value: num(r.value),
    unit: r.unit,
    comparator: r.comparator,
    ordinal: num(r.ordinal),
    text: r.value_type === 'NM' || r.value_type === 'SN' ? null : r.value_original,
    range: {
      low: num(r.range_low),
      high: num(r.range_high),
      source: r.range_source,
    },
    basis: r.basis,
    status: r.status,
    quality: r.quality,
    qualityReason: r.quality_reason,
    ...(r.quality_flags ? { qualityFlags: qualityFlagsOf(r.quality_flags) } : {}),
    observedAt: r.observed_at,
    original: { value: r.value_original, unit: r.unit_original },
    reportedUnit: r.reported_unit,
    derivation:
      r.derived_from && r.derivation
        ? { text: r.derivation, fromResultIds: r.derived_from.map(String) }
        : null,
    ...(r.released ? { released: true } : {}),
  };
}

/** The columns `ruleInputFromRow` reads, for a query aliasing `results` as `r`. */
export const RULE_INPUT_COLUMNS = `r.id, r.patient_id, r.analyte, r.loinc, r.value, r.unit, r.comparator, r.ordinal,
  r.value_type, r.value_original, r.unit_original, r.range_low, r.range_high, r.range_source, r.basis, r.status,
  r.quality, r.quality_reason, r.quality_flags, r.observed_at, r.reported_unit, r.derived_from, r.derivation,
  r.released_at IS NOT NULL AS released`;

/**
 * Loads what the rule engine needs for a whole batch in two statements: the patients' contexts (indication,
 * flags, site zone, courses, the rules of their open alerts), and their history as the engine's history windows
 * describe it.
 */
@Injectable()
export class RuleContextRepository {
  constructor(private readonly dataSource: DataSource) {}

  async loadContexts(
    manager: EntityManager,
    patientIds: readonly string[],
  ): Promise<Map<string, PatientRuleContext>> {
    const rows: Array<{
      id: string;
      site_id: string;
      indication: 'MS' | 'CLL';
      birth_date: string | null;
      sex: PatientContext['sex'];
      clinical_flags: Partial<PatientFlags>;
      time_zone: string;
      courses: Array<{ courseNumber: number; infusionDays: string[] }> | null;
      open_rule_ids: string[] | null;
    }> = await manager.query(
      `SELECT p.id, p.site_id, p.indication, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date, p.sex, p.clinical_flags,
              s.time_zone,
              (SELECT json_agg(json_build_object('courseNumber', c.course_number,
                                                 'infusionDays', (SELECT json_agg(to_char(d, 'YYYY-MM-DD') ORDER BY d) FROM unnest(c.infusion_dates) d))
                               ORDER BY c.course_number)
               FROM treatment_courses c WHERE c.patient_id = p.id) AS courses,
              (SELECT array_agg(a.rule_id) FROM alerts a WHERE a.patient_id = p.id AND a.state <> 'resolved') AS open_rule_ids
       FROM patients p JOIN sites s ON s.id = p.site_id
       WHERE p.id = ANY($1::uuid[])`,
      [patientIds],
    );
    const contexts = new Map<string, PatientRuleContext>();
    for (const r of rows) {
      contexts.set(r.id, {
        siteId: r.site_id,
        context: {
          patientId: r.id,
          indication: r.indication,
          birthDate: r.birth_date,
          sex: r.sex,
          flags: r.clinical_flags,
          timeZone: r.time_zone,
          courses: (r.courses ?? []).map((c) => ({
            courseNumber: c.courseNumber,
            infusionDays: c.infusionDays,
          })),
        },
        openAlertRuleIds: r.open_rule_ids ?? [],
      });
    }
    return contexts;
  }

  /**
   * The results each history window asks for (superseded and retracted results left out): everything since
   * the window's start, the usable values of the baseline analytes in each course's baseline window, and the
   * latest usable values before the start of the analytes that need one. One statement for the whole batch.
   *
   * Each part is driven from the batch's patients, one index lookup per patient (OFFSET 0 keeps the planner
   * from flattening the LATERAL subqueries into a join): a growing results table that has not been analyzed
   * yet once tempted the planner into nested sequential scans, seconds per batch.
   */
  async loadHistory(
    manager: EntityManager,
    windows: readonly HistoryWindow[],
  ): Promise<Map<string, RuleInputResult[]>> {
    const history = new Map<string, RuleInputResult[]>();
    if (windows.length === 0) return history;
    // Baselines (each course's look-back): the usable values of the analytes baselines are read for, one range
    // scan per patient and course.
    const baselineRanges = windows.flatMap((w) =>
      w.baselineWindows.map((r) => ({ patientId: w.patientId, from: r.from, to: r.to })),
    );
    const latest = windows.flatMap((w) =>
      w.latestAnalytes.map((analyte) => ({ patientId: w.patientId, analyte, since: w.since })),
    );
    const analytes = [...new Set(windows.flatMap((w) => w.analytes))];
    const baselineAnalytes = [...new Set(windows.flatMap((w) => w.baselineAnalytes))];
    const latestPerAnalyte = Math.max(1, ...windows.map((w) => w.latestPerAnalyte));
    const columns = RULE_INPUT_COLUMNS;
    const current = `r.superseded_by IS NULL AND r.retracted_at IS NULL`;
    const usable = `r.quality = 'ok' AND r.status IN ('final', 'corrected', 'preliminary')`;
    const rows: ResultRow[] = await manager.query(
      `WITH w(patient_id, since) AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[])),
            b(patient_id, "from", "to") AS (SELECT * FROM unnest($3::uuid[], $4::timestamptz[], $5::timestamptz[])),
            l(patient_id, analyte, since) AS (SELECT * FROM unnest($7::uuid[], $8::text[], $9::timestamptz[]))
       SELECT r.* FROM w CROSS JOIN LATERAL (
         SELECT ${columns} FROM results r
         WHERE r.patient_id = w.patient_id AND r.analyte = ANY($6::text[]) AND r.observed_at >= w.since AND ${current}
         OFFSET 0) r
       UNION
       SELECT r.* FROM b CROSS JOIN LATERAL (
         SELECT ${columns} FROM results r
         WHERE r.patient_id = b.patient_id AND r.analyte = ANY($11::text[])
           AND r.observed_at >= b."from" AND r.observed_at < b."to" AND ${current} AND ${usable}
         OFFSET 0) r
       UNION
       SELECT r.* FROM l CROSS JOIN LATERAL (
         SELECT ${columns} FROM results r
         WHERE r.patient_id = l.patient_id AND r.analyte = l.analyte AND r.observed_at < l.since AND ${current}
           AND ${usable}
         ORDER BY r.observed_at DESC LIMIT $10) r`,
      [
        windows.map((w) => w.patientId),
        windows.map((w) => w.since.toISOString()),
        baselineRanges.map((b) => b.patientId),
        baselineRanges.map((b) => b.from.toISOString()),
        baselineRanges.map((b) => b.to.toISOString()),
        analytes,
        latest.map((l) => l.patientId),
        latest.map((l) => l.analyte),
        latest.map((l) => l.since.toISOString()),
        latestPerAnalyte,
        baselineAnalytes,
      ],
    );
    for (const row of rows) {
      const list = history.get(row.patient_id) ?? [];
      list.push(ruleInputFromRow(row));
      history.set(row.patient_id, list);
    }
    return history;
  }

  /**
   * The second read, only when baselines are missing (`standInsFor`): the usable values of those analytes since
   * the course in effect began. One statement for the whole batch, an index range scan per patient and course.
   */
  async loadStandIns(
    manager: EntityManager,
    standIns: readonly StandInWindow[],
  ): Promise<Map<string, RuleInputResult[]>> {
    const found = new Map<string, RuleInputResult[]>();
    if (standIns.length === 0) return found;
    const rows: ResultRow[] = await manager.query(
      `SELECT r.* FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS s(patient_id, analytes, "from", "to")
       CROSS JOIN LATERAL (
         SELECT ${RULE_INPUT_COLUMNS} FROM results r
         WHERE r.patient_id = s.patient_id AND r.analyte = ANY(string_to_array(s.analytes, ','))
           AND r.observed_at >= s."from" AND r.observed_at < s."to"
           AND r.superseded_by IS NULL AND r.retracted_at IS NULL
           AND r.quality = 'ok' AND r.status IN ('final', 'corrected', 'preliminary')
         OFFSET 0) r`,
      [
        standIns.map((s) => s.patientId),
        standIns.map((s) => s.analytes.join(',')),
        standIns.map((s) => s.from.toISOString()),
        standIns.map((s) => s.to.toISOString()),
      ],
    );
    for (const row of rows) {
      const list = found.get(row.patient_id) ?? [];
      list.push(ruleInputFromRow(row));
      found.set(row.patient_id, list);
    }
    return found;
  }

  /** The latest override version of every site and indication. */
  async loadSiteOverrides(): Promise<SiteRuleOverrides[]> {
    const rows: Array<{
      site_id: string;
      indication: 'MS' | 'CLL';
      version: number;
      overrides: RuleOverride[];
    }> = await this.dataSource.query(
      `SELECT DISTINCT ON (site_id, indication) site_id, indication, version, overrides
       FROM rule_overrides ORDER BY site_id, indication, version DESC`,
    );
    return rows.map((r) => ({
      siteId: r.site_id,
      indication: r.indication,
      version: r.version,
      overrides: r.overrides,
    }));
  }
}
