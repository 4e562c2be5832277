import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CONTENT_TYPES, HEADERS, MessageProducer, TOPICS } from '@alem/messaging';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, DependencyUnavailableError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { type RequestActor, userOf } from '../common/request-actor';
import { type DlqDetailView, type DlqQueryDto, type DlqRecordView } from './dlq.dto';
import { DlqAdminRepository, type DlqRow } from './dlq.repository';

/** Header on a replayed message naming the dead-letter record it came from. */
export const REPLAY_OF_HEADER = 'dlq-replay-of';

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
    private readonly records: DlqAdminRepository,
    private readonly producer: MessageProducer,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async list(query: DlqQueryDto, format: ListFormat): Promise<Page<DlqRecordView>> {
    const limit = pageLimit(query, format);
    const { total, rows } = await this.records.list(this.dataSource.manager, query, limit);
    return { items: rows.map(toRecord), total, limit, offset: query.offset };
  }

  /** The record with its key and payload: patient data, so the read is audited. */
  async get(actor: RequestActor, id: string): Promise<DlqDetailView> {
    return this.audited.run(actor, 'message-payload', async (m, trail) => {
      const row = await this.records.findMessage(m, id);
      if (!row) throw new NotFoundError('Dead-letter record');
      trail.record({ action: 'dlq.read', entityType: 'dlq-record', entityId: id });
      return { ...toRecord(row), messageKey: row.message_key, ...decodePayload(row.payload) };
    });
  }

  async replay(actor: RequestActor, id: string): Promise<DlqRecordView> {
    const user = userOf(actor);
    const claimedAt = this.clock.now();
    const claimed = await this.audited.run(actor, 'message-payload', async (m, trail) => {
      const row = await this.records.findMessage(m, id, true);
      if (!row) throw new NotFoundError('Dead-letter record');
      if (row.replayed_at) throw new ConflictError('This record was already replayed');
      await this.records.claim(m, id, user.userId, claimedAt);
      trail.record({
        action: 'dlq.replay.claim',
        entityType: 'dlq-record',
        entityId: id,
        detail: { topic: replayTopicOf(row), source: this.position(row) },
      });
      return row;
    });

    try {
      await this.producer.send(replayTopicOf(claimed), [
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
      await this.audited.run(actor, 'message-payload', async (m, trail) => {
        await this.records.withdrawClaim(m, id, claimedAt);
        trail.record({
          action: 'dlq.replay',
          entityType: 'dlq-record',
          entityId: id,
          outcome: 'failure',
          detail: { error: (error as Error).name, claimWithdrawn: true },
        });
      });
      throw new DependencyUnavailableError(
        'Kafka did not take the message; nothing was replayed, retry later',
      );
    }

    return this.audited.run(actor, 'message-payload', async (m, trail) => {
      trail.record({
        action: 'dlq.replay',
        entityType: 'dlq-record',
        entityId: id,
        detail: { topic: replayTopicOf(claimed), source: this.position(claimed) },
      });
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
    return toRecord((await this.records.find(m, id))!);
  }
}

/**
 * Where a dead letter goes back to: the topic it came from. Administrations (issue 18) go back to
 * `medication.administrations.v1`; results, and what the gateway refused before any topic, to `lab.results.v1`.
 */
export function replayTopicOf(row: Pick<DlqRow, 'source_topic' | 'content_type'>): string {
  return row.source_topic === TOPICS.medicationAdministrations ||
    row.content_type === CONTENT_TYPES.medicationAdministrationJson
    ? TOPICS.medicationAdministrations
    : TOPICS.labResults;
}
