import { Injectable } from '@nestjs/common';
import { analyteByLoinc, ANALYTES } from '@alem/clinical';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { type RequestActor, userOf } from '../common/request-actor';
import {
  type CodeMappingQueryDto,
  type CodeMappingView,
  type CreateCodeMappingDto,
  type UpdateCodeMappingDto,
} from './code-mapping.dto';
import { CodeMappingAdminRepository, type CodeMappingRow } from './code-mapping.repository';

const toView = (r: CodeMappingRow): CodeMappingView => ({
  id: r.id,
  sender: r.sender,
  codeSystem: r.code_system,
  code: r.code,
  loinc: r.loinc,
  analyte: r.analyte,
  unit: r.unit,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at?.toISOString() ?? null,
});

/**
 * A mapping the normaliser would refuse at boot must never be stored: the analyte must be in the catalogue,
 * and a LOINC code the catalogue knows must name the same analyte (the rules of `createCodeMappingTable`).
 */
export function checkMappingTarget(loinc: string | null, analyte: string | null): void {
  if (loinc === null && analyte === null) throw new InvalidInputError('Give a LOINC code or an analyte');
  if (analyte !== null && !ANALYTES.some((a) => a.id === analyte)) {
    throw new InvalidInputError('Unknown analyte', [
      { path: 'body.analyte', message: 'not in the analyte catalogue' },
    ]);
  }
  const byLoinc = loinc === null ? undefined : analyteByLoinc(loinc);
  if (byLoinc && analyte !== null && byLoinc.id !== analyte) {
    throw new InvalidInputError('The LOINC code and the analyte disagree', [
      { path: 'body.analyte', message: `LOINC ${loinc} is ${byLoinc.id}` },
    ]);
  }
}

/** Per-sender code mappings (local code → LOINC, default unit), read by the result normaliser. */
@Injectable()
export class CodeMappingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly mappings: CodeMappingAdminRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async list(query: CodeMappingQueryDto, format: ListFormat): Promise<Page<CodeMappingView>> {
    const limit = pageLimit(query, format);
    const { total, rows } = await this.mappings.list(this.dataSource.manager, query, limit);
    return { items: rows.map(toView), total, limit, offset: query.offset };
  }

  async get(id: string): Promise<CodeMappingView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(actor: RequestActor, input: CreateCodeMappingDto): Promise<CodeMappingView> {
    const admin = userOf(actor);
    checkMappingTarget(input.loinc, input.analyte);
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const row = await this.mappings.insert(m, input, input, admin.userId, this.clock.now());
      if (!row) throw new ConflictError('This sender’s code is already mapped; change that mapping instead');
      const after = toView(row);
      trail.record({
        action: 'code-mapping.create',
        entityType: 'code-mapping',
        entityId: after.id,
        detail: { before: null, after },
      });
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdateCodeMappingDto): Promise<CodeMappingView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const before = await this.find(m, id, true);
      const loinc = input.loinc === undefined ? before.loinc : input.loinc;
      const analyte = input.analyte === undefined ? before.analyte : input.analyte;
      const unit = input.unit === undefined ? before.unit : input.unit;
      checkMappingTarget(loinc, analyte);
      const after = toView(await this.mappings.update(m, id, { loinc, analyte, unit }, this.clock.now()));
      trail.record({
        action: 'code-mapping.update',
        entityType: 'code-mapping',
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
        action: 'code-mapping.delete',
        entityType: 'code-mapping',
        entityId: id,
        detail: { before, after: null },
      });
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<CodeMappingView> {
    const row = await this.mappings.find(m, id, lock);
    if (!row) throw new NotFoundError('Code mapping');
    return toView(row);
  }
}
