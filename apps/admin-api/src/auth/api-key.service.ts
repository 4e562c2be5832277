import { Injectable } from '@nestjs/common';
import { issueApiKey } from '@alem/access';
import { AuditRepository, queryRows } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { auditActorOf, type RequestActor, userOf } from '../common/request-actor';
import { type ApiKeyDto, type CreateApiKeyDto, type IssuedApiKeyDto } from './auth.dto';

interface ApiKeyRow {
  id: string;
  sender: string;
  description: string;
  created_at: Date;
  created_by: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = `id, sender, description, created_at, created_by, last_used_at, revoked_at`;

function toDto(r: ApiKeyRow): ApiKeyDto {
  return {
    id: r.id,
    sender: r.sender,
    description: r.description,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

/** API keys for labs and interface engines: created by an admin, shown once, revoked, never shown again. */
@Injectable()
export class ApiKeyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<{ items: ApiKeyDto[] }> {
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`,
    );
    return { items: rows.map(toDto) };
  }

  async create(actor: RequestActor, input: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    const admin = userOf(actor);
    const issued = issueApiKey();
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const [row]: ApiKeyRow[] = await m.query(
        `INSERT INTO api_keys (id, sender, description, secret_hash, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [issued.keyId, input.sender, input.description, issued.secretHash, admin.userId, now.toISOString()],
      );
      const dto = toDto(row!);
      await this.audit.append(m, [
        {
          actor: auditActorOf(actor),
          action: 'api-key.create',
          entityType: 'api-key',
          entityId: dto.id,
          dataCategory: 'access-control',
          detail: { before: null, after: dto },
          at: now,
        },
      ]);
      return { ...dto, key: issued.key };
    });
  }

  async revoke(actor: RequestActor, id: string): Promise<ApiKeyDto> {
    const admin = userOf(actor);
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      if (before.revoked_at) throw new ConflictError('This API key is already revoked');
      const [row] = await queryRows<ApiKeyRow>(
        m,
        `UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, now.toISOString(), admin.userId],
      );
      const after = toDto(row!);
      await this.audit.append(m, [
        {
          actor: auditActorOf(actor),
          action: 'api-key.revoke',
          entityType: 'api-key',
          entityId: id,
          dataCategory: 'access-control',
          detail: { before: toDto(before), after },
          at: now,
        },
      ]);
      return after;
    });
  }

  private async lock(m: EntityManager, id: string): Promise<ApiKeyRow> {
    const rows: ApiKeyRow[] = await m.query(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows[0]) throw new NotFoundError('API key');
    return rows[0];
  }
}
