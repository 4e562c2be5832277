import { Injectable, Logger } from '@nestjs/common';
import { MonitoringRepository } from '@alem/persistence';

/**
 * Notes the latest arrival per sending lab for every message of the feed (enrolled patients or not: a quiet
 * feed is a lab that stopped sending anything) and hands them to the monitoring tables every few seconds, off
 * the hot path. A failed write keeps the entries for the next flush.
 */
@Injectable()
export class FeedActivityRecorder {
  private readonly logger = new Logger(FeedActivityRecorder.name);
  private latest = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly monitoring: MonitoringRepository) {}

  start(flushEveryMs = 5000): void {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  seen(sender: string, at: number): void {
    const known = this.latest.get(sender);
    if (known === undefined || at > known) this.latest.set(sender, at);
  }

  flush(): Promise<void> {
    if (this.flushing || this.latest.size === 0) return this.flushing ?? Promise.resolve();
    const batch = this.latest;
    this.latest = new Map();
    this.flushing = this.monitoring
      .recordFeedActivity([...batch].map(([sender, at]) => ({ sender, lastSeenAt: new Date(at) })))
      .catch((error: Error) => {
        this.logger.warn(`feed activity not recorded yet (${error.message}); retrying`);
        for (const [sender, at] of batch) this.seen(sender, at);
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** Stops the timer and writes what is left; called once intake has stopped, before the pool closes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }
}
