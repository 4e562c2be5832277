import { Injectable } from '@nestjs/common';
import { analyteByLoinc, ANALYTES } from '@alem/clinical';
import { AuditRepository, type AuditEntry, queryRows } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor, userOf } from '../common/request-actor';
import { SqlBuilder } from '../common/sql-builder';
import {
  type CodeMappingQueryDto,
  type CodeMappingView,
  type CreateCodeMappingDto,
  type UpdateCodeMappingDto,
} from './code-mapping.dto';

interface Row {
  id: string;
  sender: string;
  code_system: string;
  code: string;
  loinc: string | null;
  analyte: string | null;
  unit: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date | null;
}
const COLUMNS = `id, sender, code_system, code, loinc, analyte, unit, created_by, created_at, updated_at`;
const toView = (r: Row): CodeMappingView => ({
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
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'configuration', ...entry };
  }

  async list(query: CodeMappingQueryDto, format: ListFormat): Promise<Page<CodeMappingView>> {
    const limit = pageLimit(query, format);
    const sql = new SqlBuilder()
      .whereEquals('sender', query.sender)
      .whereEquals('code_system', query.codeSystem)
      .whereEquals('code', query.code)
      .whereEquals('loinc', query.loinc);
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM code_mappings ${sql.whereSql()}`,
      sql.params,
    );
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM code_mappings ${sql.whereSql()} ORDER BY sender, code_system, code
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toView), total, limit, offset: query.offset };
  }

  async get(id: string): Promise<CodeMappingView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(actor: RequestActor, input: CreateCodeMappingDto): Promise<CodeMappingView> {
    const admin = userOf(actor);
    checkMappingTarget(input.loinc, input.analyte);
    return this.dataSource.transaction(async (m) => {
      const [row]: Row[] = await m.query(
        `INSERT INTO code_mappings (sender, code_system, code, loinc, analyte, unit, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sender, code_system, code) DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          input.sender,
          input.codeSystem,
          input.code,
          input.loinc,
          input.analyte,
          input.unit,
          admin.userId,
          this.clock.now().toISOString(),
        ],
      );
      if (!row) throw new ConflictError('This sender’s code is already mapped; change that mapping instead');
      const after = toView(row);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'code-mapping.create',
          entityType: 'code-mapping',
          entityId: after.id,
          detail: { before: null, after },
        }),
      ]);
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdateCodeMappingDto): Promise<CodeMappingView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.find(m, id, true);
      const loinc = input.loinc === undefined ? before.loinc : input.loinc;
      const analyte = input.analyte === undefined ? before.analyte : input.analyte;
      const unit = input.unit === undefined ? before.unit : input.unit;
      checkMappingTarget(loinc, analyte);
      const [row] = await queryRows<Row>(
        m,
        `UPDATE code_mappings SET loinc = $2, analyte = $3, unit = $4, updated_at = $5 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, loinc, analyte, unit, this.clock.now().toISOString()],
      );
      const after = toView(row!);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'code-mapping.update',
          entityType: 'code-mapping',
          entityId: id,
          detail: { before, after },
        }),
      ]);
      return after;
    });
  }

  async delete(actor: RequestActor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const before = await this.find(m, id, true);
      await m.query(`DELETE FROM code_mappings WHERE id = $1`, [id]);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'code-mapping.delete',
          entityType: 'code-mapping',
          entityId: id,
          detail: { before, after: null },
        }),
      ]);
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<CodeMappingView> {
    const rows: Row[] = await m.query(
      `SELECT ${COLUMNS} FROM code_mappings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError('Code mapping');
    return toView(rows[0]);
  }
}
