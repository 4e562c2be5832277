import { Injectable } from '@nestjs/common';
import { issueApiKey } from '@alem/access';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { type RequestActor, userOf } from '../common/request-actor';
import { ApiKeyAdminRepository, type ApiKeyRow } from './api-key.repository';
import { type ApiKeyDto, type CreateApiKeyDto, type IssuedApiKeyDto } from './auth.dto';

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
    private readonly keys: ApiKeyAdminRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<{ items: ApiKeyDto[] }> {
    const rows = await this.keys.list(this.dataSource.manager);
    return { items: rows.map(toDto) };
  }

  async create(actor: RequestActor, input: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    const admin = userOf(actor);
    const issued = issueApiKey();
    const now = this.clock.now();
    return this.audited.run(actor, 'access-control', async (m, trail) => {
      const row = await this.keys.insert(m, {
        id: issued.keyId,
        sender: input.sender,
        description: input.description,
        secretHash: issued.secretHash,
        by: admin.userId,
        at: now,
      });
      const dto = toDto(row);
      trail.record({
        action: 'api-key.create',
        entityType: 'api-key',
        entityId: dto.id,
        detail: { before: null, after: dto },
        at: now,
      });
      return { ...dto, key: issued.key };
    });
  }

  async revoke(actor: RequestActor, id: string): Promise<ApiKeyDto> {
    const admin = userOf(actor);
    const now = this.clock.now();
    return this.audited.run(actor, 'access-control', async (m, trail) => {
      const before = await this.lock(m, id);
      if (before.revoked_at) throw new ConflictError('This API key is already revoked');
      const after = toDto(await this.keys.revoke(m, id, admin.userId, now));
      trail.record({
        action: 'api-key.revoke',
        entityType: 'api-key',
        entityId: id,
        detail: { before: toDto(before), after },
        at: now,
      });
      return after;
    });
  }

  private async lock(m: EntityManager, id: string): Promise<ApiKeyRow> {
    const row = await this.keys.lock(m, id);
    if (!row) throw new NotFoundError('API key');
    return row;
  }
}
