import { Injectable } from '@nestjs/common';
import { type RuleOverride } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type RuleOverrideQueryDto } from './rule-set.dto';

export type Indication = 'MS' | 'CLL';

/** A stored override version of a site and indication (`rule_overrides`). */
export interface OverrideRow {
  id: string;
  site_id: string;
  indication: Indication;
  version: number;
  overrides: RuleOverride[];
  reason: string;
  created_by: string | null;
  created_at: Date;
}

const OVERRIDE_COLUMNS = `id::text, site_id, indication, version, overrides, reason, created_by, created_at`;

/** The queries of the sites' versioned rule overrides. */
@Injectable()
export class RuleOverrideRepository {
  /** The site's latest override version for the indication, or null when it has none. */
  async latest(m: EntityManager, siteId: string, indication: Indication): Promise<OverrideRow | null> {
    const rows: OverrideRow[] = await m.query(
      `SELECT ${OVERRIDE_COLUMNS} FROM rule_overrides WHERE site_id = $1 AND indication = $2
       ORDER BY version DESC LIMIT 1`,
      [siteId, indication],
    );
    return rows[0] ?? null;
  }

  /** Every override version of the site, newest first. */
  async history(
    m: EntityManager,
    siteId: string,
    query: RuleOverrideQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: OverrideRow[] }> {
    const sql = new SqlBuilder();
    sql.where(`site_id = ${sql.p(siteId)}`).whereEquals('indication', query.indication);
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total FROM rule_overrides ${sql.whereSql()}`,
      () => `SELECT ${OVERRIDE_COLUMNS} FROM rule_overrides ${sql.whereSql()}
       ORDER BY rule_overrides.created_at DESC, rule_overrides.id DESC
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }

  /**
   * Takes the lock under which versions of one site and indication are numbered (until the transaction ends), so
   * two admins cannot both write version n.
   */
  async lockVersions(m: EntityManager, siteId: string, indication: Indication): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
      `rule-overrides|${siteId}|${indication}`,
    ]);
  }

  async insert(
    m: EntityManager,
    version: {
      siteId: string;
      indication: Indication;
      version: number;
      overrides: RuleOverride[];
      reason: string;
      by: string;
      at: Date;
    },
  ): Promise<OverrideRow> {
    const [row]: OverrideRow[] = await m.query(
      `INSERT INTO rule_overrides (site_id, indication, version, overrides, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${OVERRIDE_COLUMNS}`,
      [
        version.siteId,
        version.indication,
        version.version,
        JSON.stringify(version.overrides),
        version.reason,
        version.by,
        version.at.toISOString(),
      ],
    );
    return row!;
  }
}
