import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';

/** A lab's registration as a sender (`lab_senders`). */
export interface LabSender {
  /** `APPLICATION^FACILITY` (MSH-3^MSH-4). */
  sender: string;
  /** IANA zone of the times its messages send without an offset. */
  timeZone: string;
  createdAt: Date;
  /** Null until the registration is first changed. */
  updatedAt: Date | null;
}

interface Row {
  sender: string;
  time_zone: string;
  created_at: Date;
  updated_at: Date | null;
}

const COLUMNS = `sender, time_zone, created_at, updated_at`;
const toSender = (r: Row): LabSender => ({
  sender: r.sender,
  timeZone: r.time_zone,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

type Queryable = Pick<EntityManager, 'query'>;

/**
 * The registrations of the labs that send results (queries only: validation and audit are the caller's). Every
 * write NOTIFYs `lab_senders_changed` (a trigger), which the processor's cache follows.
 */
@Injectable()
export class LabSenderRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every registered sender's time zone, by `APPLICATION^FACILITY`: what the processor keeps in memory. */
  async timeZones(): Promise<Map<string, string>> {
    const rows: Array<{ sender: string; time_zone: string }> = await this.dataSource.query(
      `SELECT sender, time_zone FROM lab_senders`,
    );
    return new Map(rows.map((r) => [r.sender, r.time_zone]));
  }

  /** A page of registrations by sender, with how many there are. */
  async list(
    page: { limit: number; offset: number },
    m: Queryable = this.dataSource.manager,
  ): Promise<{ items: LabSender[]; total: number }> {
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total FROM lab_senders`,
    );
    const rows: Row[] = await m.query(
      `SELECT ${COLUMNS} FROM lab_senders ORDER BY sender LIMIT $1 OFFSET $2`,
      [page.limit, page.offset],
    );
    return { items: rows.map(toSender), total };
  }

  /** One registration; `lock` holds its row (FOR UPDATE) until the caller's transaction ends. */
  async find(
    sender: string,
    m: Queryable = this.dataSource.manager,
    lock = false,
  ): Promise<LabSender | null> {
    const rows: Row[] = await m.query(
      `SELECT ${COLUMNS} FROM lab_senders WHERE sender = $1${lock ? ' FOR UPDATE' : ''}`,
      [sender],
    );
    return rows[0] ? toSender(rows[0]) : null;
  }

  /** Registers a sender, or changes its registration (`updated_at` = `now`). */
  async save(m: Queryable, sender: string, timeZone: string, now: Date): Promise<LabSender> {
    const [row] = await queryRows<Row>(
      m,
      `INSERT INTO lab_senders (sender, time_zone, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (sender) DO UPDATE SET time_zone = EXCLUDED.time_zone, updated_at = $3
       RETURNING ${COLUMNS}`,
      [sender, timeZone, now.toISOString()],
    );
    return toSender(row!);
  }

  /** Removes a registration; returns it, or null when there was none. */
  async remove(m: Queryable, sender: string): Promise<LabSender | null> {
    const [row] = await queryRows<Row>(m, `DELETE FROM lab_senders WHERE sender = $1 RETURNING ${COLUMNS}`, [
      sender,
    ]);
    return row ? toSender(row) : null;
  }
}
