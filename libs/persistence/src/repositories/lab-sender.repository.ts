import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';

/** What an admin registers about a sender. */
export interface LabSenderRegistration {
  /** IANA zone of the times its messages send without an offset. */
  timeZone: string;
  /** Assigning authorities it may report for (any form of their hierarchic designators). */
  authorities: string[];
  /** SHA-256 fingerprints of its MLLP client certificates (`AB:CD:…`, upper case). */
  certificateFingerprints: string[];
  /** Addresses it may connect from over MLLP without a client certificate (CIDR, `10.1.2.3/32`). */
  sourceAddresses: string[];
}

/** A lab's registration as a sender (`lab_senders`). */
export interface LabSender extends LabSenderRegistration {
  /** `APPLICATION^FACILITY` (MSH-3^MSH-4). */
  sender: string;
  createdAt: Date;
  /** Null until the registration is first changed. */
  updatedAt: Date | null;
}

interface Row {
  sender: string;
  time_zone: string;
  authorities: string[];
  certificate_fingerprints: string[];
  source_addresses: string[];
  created_at: Date;
  updated_at: Date | null;
}

// node-postgres reads text[] as string[], but has no parser for cidr[]: it is read as text[] here.
const COLUMNS = `sender, time_zone, authorities, certificate_fingerprints, source_addresses::text[] AS source_addresses,
  created_at, updated_at`;
const toSender = (r: Row): LabSender => ({
  sender: r.sender,
  timeZone: r.time_zone,
  authorities: r.authorities,
  certificateFingerprints: r.certificate_fingerprints,
  sourceAddresses: r.source_addresses,
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

  /** Every registration: what the ingest gateway keeps in memory to authenticate senders. */
  async all(): Promise<LabSender[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM lab_senders ORDER BY sender`);
    return rows.map(toSender);
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

  /** Registers a sender, or replaces its registration (`updated_at` = `now`). */
  async save(
    m: Queryable,
    sender: string,
    registration: LabSenderRegistration,
    now: Date,
  ): Promise<LabSender> {
    const [row] = await queryRows<Row>(
      m,
      `INSERT INTO lab_senders
         (sender, time_zone, authorities, certificate_fingerprints, source_addresses, created_at)
       VALUES ($1, $2, $3::text[], $4::text[], $5::cidr[], $6)
       ON CONFLICT (sender) DO UPDATE SET time_zone = EXCLUDED.time_zone, authorities = EXCLUDED.authorities,
         certificate_fingerprints = EXCLUDED.certificate_fingerprints,
         source_addresses = EXCLUDED.source_addresses, updated_at = $6
       RETURNING ${COLUMNS}`,
      [
        sender,
        registration.timeZone,
        registration.authorities,
        registration.certificateFingerprints,
        registration.sourceAddresses,
        now.toISOString(),
      ],
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
