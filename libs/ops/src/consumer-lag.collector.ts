import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { register } from 'prom-client';
import { gauge } from '@alem/runtime';
import { KafkaHealthIndicator } from './dependency.indicators';
import { OPS_OPTIONS, type OpsOptions, withTimeout } from './ops.options';

const METRIC = 'alem_kafka_consumer_lag';

/**
 * `alem_kafka_consumer_lag{group,topic}`: messages on the topic not yet committed by the group, summed over
 * partitions, read from the broker when Prometheus scrapes (two admin requests per group; nothing in between).
 */
@Injectable()
export class ConsumerLagCollector implements OnModuleInit, OnModuleDestroy {
  private registered = false;

  constructor(
    private readonly kafka: KafkaHealthIndicator,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
  ) {}

  onModuleInit(): void {
    const groups = this.options.consumerLag ?? [];
    if (groups.length === 0) return;
    // One app per process owns the gauge (its collect reads through this app's admin client).
    if (register.getSingleMetric(METRIC)) return;
    const read = (groupId: string, topic: string) => this.lag(groupId, topic);
    this.registered = true;
    gauge({
      name: METRIC,
      help: 'Messages not yet committed by a consumer group, summed over the partitions of a topic',
      labelNames: ['group', 'topic'] as const,
      async collect() {
        for (const { groupId, topic } of groups) {
          try {
            this.set({ group: groupId, topic }, await read(groupId, topic));
          } catch {
            // Broker unreachable: /health says so; keep the last value rather than fail the scrape.
          }
        }
      },
    });
  }

  onModuleDestroy(): void {
    if (this.registered) register.removeSingleMetric(METRIC);
    this.registered = false;
  }

  async lag(groupId: string, topic: string): Promise<number> {
    const admin = await this.kafka.connectedAdmin();
    const timeout = this.options.checkTimeoutMs ?? 2000;
    const [ends, committed] = await Promise.all([
      withTimeout(admin.fetchTopicOffsets(topic), timeout, 'kafka'),
      withTimeout(admin.fetchOffsets({ groupId, topics: [topic] }), timeout, 'kafka'),
    ]);
    const done = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    let lag = 0n;
    for (const p of ends) {
      const high = BigInt(p.high);
      const at = done.get(p.partition) ?? -1n;
      const from = at < 0n ? BigInt(p.low) : at;
      if (high > from) lag += high - from;
    }
    return Number(lag);
  }
}
