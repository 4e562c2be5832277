import { Injectable } from '@nestjs/common';
import { queryRows } from '@alem/persistence';
import { type EntityManager } from 'typeorm';

export interface ApiKeyRow {
  id: string;
  sender: string;
  description: string;
  created_at: Date;
  created_by: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = `id, sender, description, created_at, created_by, last_used_at, revoked_at`;

/** The queries of the API keys (never their secret hashes once stored). */
@Injectable()
export class ApiKeyAdminRepository {
  async list(m: EntityManager): Promise<ApiKeyRow[]> {
    return m.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`);
  }

  async insert(
    m: EntityManager,
    key: { id: string; sender: string; description: string; secretHash: string; by: string; at: Date },
  ): Promise<ApiKeyRow> {
    const [row]: ApiKeyRow[] = await m.query(
      `INSERT INTO api_keys (id, sender, description, secret_hash, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [key.id, key.sender, key.description, key.secretHash, key.by, key.at.toISOString()],
    );
    return row!;
  }

  /** The key, locked for update, or null. */
  async lock(m: EntityManager, id: string): Promise<ApiKeyRow | null> {
    const rows: ApiKeyRow[] = await m.query(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  async revoke(m: EntityManager, id: string, by: string, at: Date): Promise<ApiKeyRow> {
    const [row] = await queryRows<ApiKeyRow>(
      m,
      `UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, at.toISOString(), by],
    );
    return row!;
  }
}
