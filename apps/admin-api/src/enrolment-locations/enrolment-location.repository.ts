import { Injectable } from '@nestjs/common';
import { type enrolmentLocationsTable, queryRows, type RowOf } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type EnrolmentLocationQueryDto } from './enrolment-location.dto';

export type EnrolmentLocationRow = RowOf<typeof enrolmentLocationsTable>;
const COLUMNS = `id, sender, location, site_id, care_team_id, indication, created_by, created_at, updated_at`;

/** Where a sender's location enrols a patient first seen in the infusion record. */
export interface EnrolmentTarget {
  siteId: string;
  careTeamId: string | null;
  indication: 'MS' | 'CLL' | null;
}

/** The queries of the enrolment locations, read by the processor's administration intake. */
@Injectable()
export class EnrolmentLocationRepository {
  async list(
    m: EntityManager,
    query: EnrolmentLocationQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: EnrolmentLocationRow[] }> {
    const sql = new SqlBuilder()
      .whereEquals('sender', query.sender)
      .whereEquals('location', query.location)
      .whereEquals('site_id', query.siteId)
      .whereEquals('care_team_id', query.careTeamId);
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total FROM enrolment_locations ${sql.whereSql()}`,
      () =>
        `SELECT ${COLUMNS} FROM enrolment_locations ${sql.whereSql()} ORDER BY sender, location
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }

  /** The mapping (locked for update when asked), or null. */
  async find(m: EntityManager, id: string, lock = false): Promise<EnrolmentLocationRow | null> {
    const [row] = await queryRows<EnrolmentLocationRow>(
      m,
      `SELECT ${COLUMNS} FROM enrolment_locations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ?? null;
  }

  /** The new mapping, or null when the sender's location is mapped already. */
  async insert(
    m: EntityManager,
    key: { sender: string; location: string },
    target: EnrolmentTarget,
    by: string,
    at: Date,
  ): Promise<EnrolmentLocationRow | null> {
    const [row] = await queryRows<EnrolmentLocationRow>(
      m,
      `INSERT INTO enrolment_locations (sender, location, site_id, care_team_id, indication, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sender, location) DO NOTHING
         RETURNING ${COLUMNS}`,
      [key.sender, key.location, target.siteId, target.careTeamId, target.indication, by, at.toISOString()],
    );
    return row ?? null;
  }

  async update(
    m: EntityManager,
    id: string,
    target: EnrolmentTarget,
    at: Date,
  ): Promise<EnrolmentLocationRow> {
    const [row] = await queryRows<EnrolmentLocationRow>(
      m,
      `UPDATE enrolment_locations SET site_id = $2, care_team_id = $3, indication = $4, updated_at = $5
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, target.siteId, target.careTeamId, target.indication, at.toISOString()],
    );
    return row!;
  }

  async delete(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM enrolment_locations WHERE id = $1`, [id]);
  }
}
