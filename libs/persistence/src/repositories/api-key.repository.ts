import { Injectable } from '@nestjs/common';
import { apiKeySecretMatches, type ApiKeyPrincipal, parseApiKey } from '@alem/access';
import { DataSource } from 'typeorm';

/**
 * Authenticates API keys (`alem_<id>_<secret>`) of labs and interface engines: the mechanism the ingest
 * gateway's HTTP endpoint and the admin API share. Revoked keys and keys of unknown ids are refused alike.
 */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  async authenticate(presented: string, now: Date): Promise<ApiKeyPrincipal | null> {
    const parsed = parseApiKey(presented);
    if (!parsed) return null;
    const rows: Array<{ id: string; sender: string; secret_hash: string }> = await this.dataSource.query(
      `SELECT id, sender, secret_hash FROM api_keys WHERE id = $1 AND revoked_at IS NULL`,
      [parsed.keyId],
    );
    const row = rows[0];
    if (!row || !apiKeySecretMatches(parsed.secret, row.secret_hash)) return null;
    // Last use to the minute: enough to spot unused keys without a write per request.
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = $2
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [row.id, now.toISOString()],
    );
    return { kind: 'api-key', keyId: row.id, sender: row.sender, roles: ['integration'] };
  }
}
