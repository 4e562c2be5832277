/**
 * What a stand-in (the SMTP capture, the SMS provider) has received, in arrival order, and a wait for some of it
 * that wakes on arrival rather than polling.
 */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: Array<() => void> = [];

  /** `noun` names the messages in the timeout error ("mail(s)", "SMS"). */
  constructor(private readonly noun: string) {}

  add(item: T): void {
    this.items.push(item);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves with every matching item once `count` have arrived; throws after `timeoutMs`. */
  async waitFor(count: number, predicate: (item: T) => boolean, timeoutMs: number): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.items.filter(predicate);
      if (matching.length >= count) return matching;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`expected ${count} ${this.noun}, got ${matching.length} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
