import { Injectable } from '@nestjs/common';
import { AuditRepository, type AuditEntry, type LabSender, LabSenderRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../common/domain.errors';
import { type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import { type LabSenderQueryDto, type LabSenderView } from './lab-sender.dto';

const toView = (s: LabSender): LabSenderView => ({
  sender: s.sender,
  timeZone: s.timeZone,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt?.toISOString() ?? null,
});

/**
 * The registrations of the labs that send results: for now the zone the processor reads their local times in
 * (senders without one: `HL7_DEFAULT_TIME_ZONE`). Changes reach the processor through NOTIFY lab_senders_changed.
 */
@Injectable()
export class LabSenderService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly senders: LabSenderRepository,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'configuration', ...entry };
  }

  async list(query: LabSenderQueryDto): Promise<Page<LabSenderView>> {
    const limit = pageLimit(query, 'json');
    const page = await this.senders.list({ limit, offset: query.offset });
    return { items: page.items.map(toView), total: page.total, limit, offset: query.offset };
  }

  async get(sender: string): Promise<LabSenderView> {
    const found = await this.senders.find(sender);
    if (!found) throw new NotFoundError('Sender registration');
    return toView(found);
  }

  /** Registers the sender, or changes its registration; a registration already so is left as it is. */
  async put(actor: RequestActor, sender: string, input: { timeZone: string }): Promise<LabSenderView> {
    return this.dataSource.transaction(async (m) => {
      const found = await this.senders.find(sender, m, true);
      if (found && found.timeZone === input.timeZone) return toView(found);
      const before = found ? toView(found) : null;
      const after = toView(await this.senders.save(m, sender, input.timeZone, this.clock.now()));
      await this.audit.append(m, [
        this.entry(actor, {
          action: before ? 'lab-sender.update' : 'lab-sender.create',
          entityType: 'lab-sender',
          entityId: sender,
          detail: { before, after },
        }),
      ]);
      return after;
    });
  }

  async delete(actor: RequestActor, sender: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const removed = await this.senders.remove(m, sender);
      if (!removed) throw new NotFoundError('Sender registration');
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'lab-sender.delete',
          entityType: 'lab-sender',
          entityId: sender,
          detail: { before: toView(removed), after: null },
        }),
      ]);
    });
  }
}
