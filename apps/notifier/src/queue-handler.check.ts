import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { QUEUES } from '@alem/notifications';

/** Where `@Processor()` of @nestjs/bullmq keeps its queue name (its `PROCESSOR_METADATA`, not exported). */
const PROCESSOR_METADATA = 'bullmq:processor_metadata';

/**
 * Boot fails when a queue of the one list (`QUEUES`) has no processor in the notifier, or a processor serves a
 * queue that is not on the list: a job nobody handles would sit in Redis while a patient waits.
 */
@Injectable()
export class QueueHandlerCheck implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const served = new Set<string>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | null | undefined;
      if (!type || typeof type !== 'function') continue;
      const meta = Reflect.getMetadata(PROCESSOR_METADATA, type) as { name?: string } | string | undefined;
      const name = typeof meta === 'string' ? meta : meta?.name;
      if (name) served.add(name);
    }
    const listed = new Set<string>(Object.values(QUEUES));
    const missing = [...listed].filter((q) => !served.has(q));
    const unknown = [...served].filter((q) => !listed.has(q));
    if (missing.length > 0 || unknown.length > 0) {
      throw new Error(
        `notifier queues and processors disagree: without a processor [${missing.join(', ')}], not in QUEUES [${unknown.join(', ')}]`,
      );
    }
  }
}
