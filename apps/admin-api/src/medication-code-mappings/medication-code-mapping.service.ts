import { Injectable } from '@nestjs/common';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { type RequestActor, userOf } from '../common/request-actor';
import {
  type CreateMedicationCodeMappingDto,
  type MedicationCodeMappingQueryDto,
  type MedicationCodeMappingView,
  type UpdateMedicationCodeMappingDto,
} from './medication-code-mapping.dto';
import {
  MedicationCodeMappingRepository,
  type MedicationCodeMappingRow,
} from './medication-code-mapping.repository';

const toView = (r: MedicationCodeMappingRow): MedicationCodeMappingView => ({
  id: r.id,
  sender: r.sender,
  codeSystem: r.code_system,
  code: r.code,
  product: r.product,
  description: r.description,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at?.toISOString() ?? null,
});

/**
 * Which medication codes are alemtuzumab (per sender, or `*` for every sender): the processor's administration
 * intake keeps an administration only when its code is mapped here. Every change is audited with its before
 * and after, in its transaction.
 */
@Injectable()
export class MedicationCodeMappingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly mappings: MedicationCodeMappingRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async list(
    query: MedicationCodeMappingQueryDto,
    format: ListFormat,
  ): Promise<Page<MedicationCodeMappingView>> {
    const limit = pageLimit(query, format);
    const { total, rows } = await this.mappings.list(this.dataSource.manager, query, limit);
    return { items: rows.map(toView), total, limit, offset: query.offset };
  }

  async get(id: string): Promise<MedicationCodeMappingView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(
    actor: RequestActor,
    input: CreateMedicationCodeMappingDto,
  ): Promise<MedicationCodeMappingView> {
    const admin = userOf(actor);
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const row = await this.mappings.insert(m, input, admin.userId, this.clock.now());
      if (!row) {
        throw new ConflictError(
          'This sender’s medication code is already mapped; change that mapping instead',
        );
      }
      const after = toView(row);
      trail.record({
        action: 'medication-code-mapping.create',
        entityType: 'medication-code-mapping',
        entityId: after.id,
        detail: { before: null, after },
      });
      return after;
    });
  }

  async update(
    actor: RequestActor,
    id: string,
    input: UpdateMedicationCodeMappingDto,
  ): Promise<MedicationCodeMappingView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const before = await this.find(m, id, true);
      const target = {
        product: input.product ?? before.product,
        description: input.description ?? before.description,
      };
      const after = toView(await this.mappings.update(m, id, target, this.clock.now()));
      trail.record({
        action: 'medication-code-mapping.update',
        entityType: 'medication-code-mapping',
        entityId: id,
        detail: { before, after },
      });
      return after;
    });
  }

  async delete(actor: RequestActor, id: string): Promise<void> {
    await this.audited.run(actor, 'configuration', async (m, trail) => {
      const before = await this.find(m, id, true);
      await this.mappings.delete(m, id);
      trail.record({
        action: 'medication-code-mapping.delete',
        entityType: 'medication-code-mapping',
        entityId: id,
        detail: { before, after: null },
      });
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<MedicationCodeMappingView> {
    const row = await this.mappings.find(m, id, lock);
    if (!row) throw new NotFoundError('Medication code mapping');
    return toView(row);
  }
}
