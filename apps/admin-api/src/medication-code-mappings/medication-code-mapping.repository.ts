import { Injectable } from '@nestjs/common';
import { type medicationCodeMappingsTable, queryRows, type RowOf } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type MedicationCodeMappingQueryDto, type MedicationProduct } from './medication-code-mapping.dto';

export type MedicationCodeMappingRow = RowOf<typeof medicationCodeMappingsTable>;
const COLUMNS = `id, sender, code_system, code, product, description, created_by, created_at, updated_at`;

/** The queries of the medication code mappings (which codes are alemtuzumab), read by the processor's intake. */
@Injectable()
export class MedicationCodeMappingRepository {
  async list(
    m: EntityManager,
    query: MedicationCodeMappingQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: MedicationCodeMappingRow[] }> {
    const sql = new SqlBuilder()
      .whereEquals('sender', query.sender)
      .whereEquals('code_system', query.codeSystem)
      .whereEquals('code', query.code)
      .whereEquals('product', query.product);
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total FROM medication_code_mappings ${sql.whereSql()}`,
      () =>
        `SELECT ${COLUMNS} FROM medication_code_mappings ${sql.whereSql()} ORDER BY sender, code_system, code
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }

  /** The mapping (locked for update when asked), or null. */
  async find(m: EntityManager, id: string, lock = false): Promise<MedicationCodeMappingRow | null> {
    const [row] = await queryRows<MedicationCodeMappingRow>(
      m,
      `SELECT ${COLUMNS} FROM medication_code_mappings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ?? null;
  }

  /** The new mapping, or null when the sender's code is mapped already. */
  async insert(
    m: EntityManager,
    mapping: {
      sender: string;
      codeSystem: string;
      code: string;
      product: MedicationProduct;
      description: string;
    },
    by: string,
    at: Date,
  ): Promise<MedicationCodeMappingRow | null> {
    const [row] = await queryRows<MedicationCodeMappingRow>(
      m,
      `INSERT INTO medication_code_mappings (sender, code_system, code, product, description, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sender, code_system, code) DO NOTHING
         RETURNING ${COLUMNS}`,
      [
        mapping.sender,
        mapping.codeSystem,
        mapping.code,
        mapping.product,
        mapping.description,
        by,
        at.toISOString(),
      ],
    );
    return row ?? null;
  }

  async update(
    m: EntityManager,
    id: string,
    target: { product: MedicationProduct; description: string },
    at: Date,
  ): Promise<MedicationCodeMappingRow> {
    const [row] = await queryRows<MedicationCodeMappingRow>(
      m,
      `UPDATE medication_code_mappings SET product = $2, description = $3, updated_at = $4
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, target.product, target.description, at.toISOString()],
    );
    return row!;
  }

  async delete(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM medication_code_mappings WHERE id = $1`, [id]);
  }
}
