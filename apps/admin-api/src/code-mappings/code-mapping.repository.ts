import { Injectable } from '@nestjs/common';
import { type codeMappingsTable, queryRows, type RowOf } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type CodeMappingQueryDto } from './code-mapping.dto';

export type CodeMappingRow = RowOf<typeof codeMappingsTable>;
const COLUMNS = `id, sender, code_system, code, loinc, analyte, unit, created_by, created_at, updated_at`;

/** What a mapping points a sender's local code at. */
export interface MappingTarget {
  loinc: string | null;
  analyte: string | null;
  unit: string | null;
}

/** The queries of the per-sender code mappings. */
@Injectable()
export class CodeMappingAdminRepository {
  async list(
    m: EntityManager,
    query: CodeMappingQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: CodeMappingRow[] }> {
    const sql = new SqlBuilder()
      .whereEquals('sender', query.sender)
      .whereEquals('code_system', query.codeSystem)
      .whereEquals('code', query.code)
      .whereEquals('loinc', query.loinc);
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total FROM code_mappings ${sql.whereSql()}`,
      () =>
        `SELECT ${COLUMNS} FROM code_mappings ${sql.whereSql()} ORDER BY sender, code_system, code
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }

  /** The mapping (locked for update when asked), or null. */
  async find(m: EntityManager, id: string, lock = false): Promise<CodeMappingRow | null> {
    const rows: CodeMappingRow[] = await m.query(
      `SELECT ${COLUMNS} FROM code_mappings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The new mapping, or null when the sender's code is mapped already. */
  async insert(
    m: EntityManager,
    code: { sender: string; codeSystem: string; code: string },
    target: MappingTarget,
    by: string,
    at: Date,
  ): Promise<CodeMappingRow | null> {
    const [row]: CodeMappingRow[] = await m.query(
      `INSERT INTO code_mappings (sender, code_system, code, loinc, analyte, unit, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sender, code_system, code) DO NOTHING
         RETURNING ${COLUMNS}`,
      [
        code.sender,
        code.codeSystem,
        code.code,
        target.loinc,
        target.analyte,
        target.unit,
        by,
        at.toISOString(),
      ],
    );
    return row ?? null;
  }

  async update(m: EntityManager, id: string, target: MappingTarget, at: Date): Promise<CodeMappingRow> {
    const [row] = await queryRows<CodeMappingRow>(
      m,
      `UPDATE code_mappings SET loinc = $2, analyte = $3, unit = $4, updated_at = $5 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, target.loinc, target.analyte, target.unit, at.toISOString()],
    );
    return row!;
  }

  async delete(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM code_mappings WHERE id = $1`, [id]);
  }
}
