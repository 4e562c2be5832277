import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';

export interface NewDlqRecord {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  messageKey: string | null;
  contentType: string | null;
  reason: string;
  payload: Buffer | null;
}

@Injectable()
export class DlqRepository {
  /** Records dead-lettered messages; a message recorded before (a redelivered batch) is not recorded twice. */
  async record(manager: EntityManager, records: readonly NewDlqRecord[]): Promise<void> {
    if (records.length === 0) return;
    await manager.query(
      `INSERT INTO dlq_records (source_topic, source_partition, source_offset, message_key, content_type, reason, payload)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bytea[])
       ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING`,
      [
        records.map((r) => r.sourceTopic),
        records.map((r) => r.sourcePartition),
        records.map((r) => r.sourceOffset),
        records.map((r) => r.messageKey),
        records.map((r) => r.contentType),
        records.map((r) => r.reason),
        records.map((r) => r.payload),
      ],
    );
  }
}
