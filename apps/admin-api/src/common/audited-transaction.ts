import { Global, Injectable, Module } from '@nestjs/common';
import { type AuditDataCategory, type AuditEntry, AuditRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { auditActorOf, type RequestActor } from './request-actor';

/**
 * An audit row as a service states it: what was done to what. The actor is the request's, the time the clock's
 * when the row is recorded, and the data category the transaction's unless the row names its own.
 */
export type AuditRecord = Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'> &
  Partial<Pick<AuditEntry, 'dataCategory' | 'at'>>;

/** Collects the audit rows of one transaction; they are appended when its work is done. */
export interface AuditTrail {
  record(entry: AuditRecord): void;
}

/**
 * The admin API's audited changes and reads: the caller's work runs in one transaction and the audit rows it
 * records are appended in that same transaction, so a row exists exactly when what it records does. They are
 * appended LAST, after the work returns: the audit chain numbers rows under a transaction-scoped lock held
 * until commit (see `AuditRepository`), so other writers wait as short a time as possible. Work that throws
 * rolls back with its rows; a refusal that must be recorded all the same goes through `alone`.
 */
@Injectable()
export class AuditedTransactions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /** Runs `work` in a transaction and appends what it recorded (category `dataCategory` by default), last. */
  run<T>(
    actor: RequestActor,
    dataCategory: AuditDataCategory,
    work: (m: EntityManager, trail: AuditTrail) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      const entries: AuditEntry[] = [];
      const result = await work(m, { record: (e) => entries.push(this.entry(actor, dataCategory, e)) });
      await this.audit.append(m, entries);
      return result;
    });
  }

  /** Appends rows in a transaction of their own (an event that changes nothing else, or a refusal). */
  alone(
    actor: RequestActor,
    dataCategory: AuditDataCategory,
    records: readonly AuditRecord[],
  ): Promise<void> {
    return this.audit.appendAlone(records.map((e) => this.entry(actor, dataCategory, e)));
  }

  private entry(actor: RequestActor, dataCategory: AuditDataCategory, record: AuditRecord): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory, ...record };
  }
}

/** Gives every feature module of the admin API the one `AuditedTransactions`. */
@Global()
@Module({ providers: [AuditedTransactions], exports: [AuditedTransactions] })
export class AuditedTransactionsModule {}
