import { ANALYTES, analyteByLoinc, type Analyte, type AnalyteId } from '../analytes/analyte-catalogue';

/**
 * One row of the per-sender code mapping: what a lab's local code (OBX-3.1 in OBX-3.3's system) means.
 * Stored as data (one row per sender, system and code), e.g. a Postgres table with these columns and a
 * unique key on (sender, system, code).
 */
export interface CodeMapping {
  /** The sender as {@link senderKey} writes it: `MSH-3^MSH-4` (`LABSYS^CITYLAB`). */
  sender: string;
  /** Coding system as the lab sends it in OBX-3.3 (`99CITY`, `L`...). */
  system: string;
  code: string;
  /** The LOINC code it stands for; null only for analytes the catalogue knows without LOINC. */
  loinc: string | null;
  /**
   * The analyte, for those without a LOINC code in the catalogue (automated urine RBC count, sCD25, HIV
   * screening). When given with a LOINC code of the catalogue, both must name the same analyte.
   */
  analyte?: AnalyteId;
  /** Unit to assume when the lab sends none (as the lab would write it; read like any unit text). */
  unit?: string;
}

/** Lookup of {@link CodeMapping} rows by sender, system and code (exact, case-sensitive). */
export interface CodeMappingTable {
  find(sender: string, system: string, code: string): CodeMapping | undefined;
  readonly size: number;
}

/** The sender key that code mappings use, from the event's or the MSH's sender (`APPLICATION^FACILITY`). */
export function senderKey(sender: { application: string; facility: string }): string {
  return `${sender.application}^${sender.facility}`;
}

/**
 * Builds the lookup table from rows (for example loaded from the database at boot). Throws on rows that
 * contradict themselves or the catalogue, or on duplicate keys: a wrong mapping would mis-file results,
 * so bad configuration must stop the service from starting rather than be skipped.
 */
export function createCodeMappingTable(rows: readonly CodeMapping[]): CodeMappingTable {
  const byKey = new Map<string, CodeMapping>();
  const ids = new Set<string>(ANALYTES.map((a) => a.id));
  for (const row of rows) {
    const where = `code mapping ${row.sender} ${row.system} ${row.code}`;
    if (!row.sender || !row.system || !row.code)
      throw new Error(`${where}: sender, system and code are required`);
    if (row.analyte !== undefined && !ids.has(row.analyte))
      throw new Error(`${where}: unknown analyte ${row.analyte}`);
    if (row.loinc === null && row.analyte === undefined)
      throw new Error(`${where}: needs a LOINC code or an analyte`);
    const byLoinc = row.loinc === null ? undefined : analyteByLoinc(row.loinc);
    if (byLoinc && row.analyte !== undefined && byLoinc.id !== row.analyte) {
      throw new Error(`${where}: LOINC ${row.loinc} is ${byLoinc.id}, not ${row.analyte}`);
    }
    if (row.unit !== undefined && row.unit.trim() === '') throw new Error(`${where}: unit is empty`);
    const key = mappingKey(row.sender, row.system, row.code);
    if (byKey.has(key)) throw new Error(`${where}: mapped twice`);
    byKey.set(key, row);
  }
  return {
    find: (sender, system, code) => byKey.get(mappingKey(sender, system, code)),
    size: byKey.size,
  };
}

/** The analyte a mapping row names (by analyte id, else by its LOINC code). */
export function analyteOfMapping(row: CodeMapping): Analyte | undefined {
  if (row.analyte !== undefined) return ANALYTES.find((a) => a.id === row.analyte);
  return row.loinc === null ? undefined : analyteByLoinc(row.loinc);
}

function mappingKey(sender: string, system: string, code: string): string {
  return [sender, system, code].join('\u0000');
}
