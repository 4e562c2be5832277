import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HEADERS, MessageProducer, TOPICS } from '@alem/messaging';
import { AuditRepository, type AuditEntry } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, DependencyUnavailableError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor, userOf } from '../common/request-actor';
import { SqlBuilder } from '../common/sql-builder';
import { type DlqDetailView, type DlqQueryDto, type DlqRecordView } from './dlq.dto';

/** Header on a replayed message naming the dead-letter record it came from. */
export const REPLAY_OF_HEADER = 'dlq-replay-of';

interface DlqRow {
  id: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  content_type: string | null;
  reason: string;
  payload_bytes: number;
  created_at: Date;
  replayed_at: Date | null;
  replayed_by: string | null;
}
const COLUMNS = `id::text, source_topic, source_partition, source_offset::text, content_type, reason,
  coalesce(octet_length(payload), 0) AS payload_bytes, created_at, replayed_at, replayed_by`;
const toRecord = (r: DlqRow): DlqRecordView => ({
  id: r.id,
  sourceTopic: r.source_topic,
  sourcePartition: r.source_partition,
  sourceOffset: r.source_offset,
  contentType: r.content_type,
  reason: r.reason,
  payloadBytes: r.payload_bytes,
  createdAt: r.created_at.toISOString(),
  replayedAt: r.replayed_at?.toISOString() ?? null,
  replayedBy: r.replayed_by,
});

function decodePayload(payload: Buffer | null): Pick<DlqDetailView, 'payload' | 'payloadEncoding'> {
  if (!payload) return { payload: null, payloadEncoding: null };
  const text = payload.toString('utf8');
  return Buffer.from(text, 'utf8').equals(payload)
    ? { payload: text, payloadEncoding: 'utf8' }
    : { payload: payload.toString('base64'), payloadEncoding: 'base64' };
}

/**
 * What the processor could not take, and its replay. A replay produces the original payload with its key
 * and content type back to `lab.results.v1`, at most once per record: the record is claimed (replayed_at/by,
 * audited) before anything is produced, and the claim is withdrawn (audited) if the broker refuses.
 */
@Injectable()
export class DlqService implements OnModuleDestroy {
  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: MessageProducer,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'message-payload', ...entry };
  }

  async list(query: DlqQueryDto, format: ListFormat): Promise<Page<DlqRecordView>> {
    const limit = pageLimit(query, format);
    const sql = new SqlBuilder().whereEquals('source_partition', query.sourcePartition);
    if (query.replayed === 'true') sql.where('replayed_at IS NOT NULL');
    if (query.replayed === 'false') sql.where('replayed_at IS NULL');
    if (query.from) sql.where(`created_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`created_at < ${sql.p(query.to)}`);
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM dlq_records ${sql.whereSql()}`,
      sql.params,
    );
    const rows: DlqRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM dlq_records ${sql.whereSql()} ORDER BY dlq_records.id DESC
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toRecord), total, limit, offset: query.offset };
  }

  /** The record with its key and payload: patient data, so the read is audited. */
  async get(actor: RequestActor, id: string): Promise<DlqDetailView> {
    return this.dataSource.transaction(async (m) => {
      const rows: Array<DlqRow & { message_key: string | null; payload: Buffer | null }> = await m.query(
        `SELECT ${COLUMNS}, message_key, payload FROM dlq_records WHERE id = $1`,
        [id],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError('Dead-letter record');
      await this.audit.append(m, [
        this.entry(actor, { action: 'dlq.read', entityType: 'dlq-record', entityId: id }),
      ]);
      return { ...toRecord(row), messageKey: row.message_key, ...decodePayload(row.payload) };
    });
  }

  async replay(actor: RequestActor, id: string): Promise<DlqRecordView> {
    const user = userOf(actor);
    const claimedAt = this.clock.now();
    const claimed = await this.dataSource.transaction(async (m) => {
      const rows: Array<DlqRow & { message_key: string | null; payload: Buffer | null }> = await m.query(
        `SELECT ${COLUMNS}, message_key, payload FROM dlq_records WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError('Dead-letter record');
      if (row.replayed_at) throw new ConflictError('This record was already replayed');
      await m.query(`UPDATE dlq_records SET replayed_at = $2, replayed_by = $3 WHERE id = $1`, [
        id,
        claimedAt.toISOString(),
        user.userId,
      ]);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'dlq.replay.claim',
          entityType: 'dlq-record',
          entityId: id,
          detail: { topic: TOPICS.labResults, source: this.position(row) },
        }),
      ]);
      return row;
    });

    try {
      await this.producer.send(TOPICS.labResults, [
        {
          key: claimed.message_key,
          value: claimed.payload ?? Buffer.alloc(0),
          headers: {
            ...(claimed.content_type ? { [HEADERS.contentType]: claimed.content_type } : {}),
            [REPLAY_OF_HEADER]: id,
          },
        },
      ]);
    } catch (error) {
      await this.dataSource.transaction(async (m) => {
        await m.query(
          `UPDATE dlq_records SET replayed_at = NULL, replayed_by = NULL WHERE id = $1 AND replayed_at = $2`,
          [id, claimedAt.toISOString()],
        );
        await this.audit.append(m, [
          this.entry(actor, {
            action: 'dlq.replay',
            entityType: 'dlq-record',
            entityId: id,
            outcome: 'failure',
            detail: { error: (error as Error).name, claimWithdrawn: true },
          }),
        ]);
      });
      throw new DependencyUnavailableError(
        'Kafka did not take the message; nothing was replayed, retry later',
      );
    }

    return this.dataSource.transaction(async (m) => {
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'dlq.replay',
          entityType: 'dlq-record',
          entityId: id,
          detail: { topic: TOPICS.labResults, source: this.position(claimed) },
        }),
      ]);
      return this.find(m, id);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  private position(row: DlqRow) {
    return { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset };
  }

  private async find(m: EntityManager, id: string): Promise<DlqRecordView> {
    const rows: DlqRow[] = await m.query(`SELECT ${COLUMNS} FROM dlq_records WHERE id = $1`, [id]);
    return toRecord(rows[0]!);
  }
}
