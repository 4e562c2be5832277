import { Injectable } from '@nestjs/common';
import { type LabSender, LabSenderRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { AuditedTransactions } from '../common/audited-transaction';
import { NotFoundError } from '../common/domain.errors';
import { type Page, pageLimit } from '../common/pagination';
import { type RequestActor } from '../common/request-actor';
import { type LabSenderInput, type LabSenderQueryDto, type LabSenderView } from './lab-sender.dto';

const toView = (s: LabSender): LabSenderView => ({
  sender: s.sender,
  timeZone: s.timeZone,
  authorities: [...s.authorities].sort(),
  certificateFingerprints: [...s.certificateFingerprints].sort(),
  sourceAddresses: [...s.sourceAddresses].sort(),
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt?.toISOString() ?? null,
});

/**
 * The registrations of the labs that send results: what authenticates each (MLLP client certificates, source
 * addresses; its API keys are issued apart), the assigning authorities it may report for, and the zone its
 * local times are read in. Changes reach the gateway and the processor through NOTIFY lab_senders_changed.
 */
@Injectable()
export class LabSenderService {
  constructor(
    private readonly senders: LabSenderRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

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

  /**
   * Registers the sender, or changes its registration (time zone, authorities, certificates, addresses: what
   * authenticates it and whose patients it may report for). A list left out stays as it is, so that changing
   * the zone never unbinds a lab by accident; a registration already so is left as it is, unaudited.
   */
  async put(actor: RequestActor, sender: string, input: LabSenderInput): Promise<LabSenderView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const found = await this.senders.find(sender, m, true);
      const before = found ? toView(found) : null;
      const wanted = {
        timeZone: input.timeZone,
        authorities: input.authorities ?? before?.authorities ?? [],
        certificateFingerprints: input.certificateFingerprints ?? before?.certificateFingerprints ?? [],
        sourceAddresses: input.sourceAddresses ?? before?.sourceAddresses ?? [],
      };
      const same = (a: readonly string[], b: readonly string[]) =>
        a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
      if (
        before &&
        before.timeZone === wanted.timeZone &&
        same(before.authorities, wanted.authorities) &&
        same(before.certificateFingerprints, wanted.certificateFingerprints) &&
        same(before.sourceAddresses, wanted.sourceAddresses)
      ) {
        return before;
      }
      const after = toView(await this.senders.save(m, sender, wanted, this.clock.now()));
      trail.record({
        action: before ? 'lab-sender.update' : 'lab-sender.create',
        entityType: 'lab-sender',
        entityId: sender,
        detail: { before, after },
      });
      return after;
    });
  }

  async delete(actor: RequestActor, sender: string): Promise<void> {
    await this.audited.run(actor, 'configuration', async (m, trail) => {
      const removed = await this.senders.remove(m, sender);
      if (!removed) throw new NotFoundError('Sender registration');
      trail.record({
        action: 'lab-sender.delete',
        entityType: 'lab-sender',
        entityId: sender,
        detail: { before: toView(removed), after: null },
      });
    });
  }
}
