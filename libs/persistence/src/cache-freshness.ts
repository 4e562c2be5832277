/**
 * Whether a cached copy of some rows is known to hold every committed change: the decision a cache's reader
 * needs before it trusts a miss. A change may have been missed after any wake-up (a notification, a
 * (re)connection of the listener) until a load that STARTED after that wake-up has succeeded: a load started
 * earlier may have taken its snapshot before the change committed. Pure bookkeeping, no I/O.
 */
export class CacheFreshness {
  // Wake-ups counted since creation; the value before anything was loaded counts as one.
  private signalled = 1;
  private covered = 0;

  /** Something may have changed that the cache has not loaded (a notification, a reconnection). */
  changed(): void {
    this.signalled++;
  }

  /** A load is about to take its snapshot: pass the token to {@link loaded} once it has succeeded. */
  loadStarting(): number {
    return this.signalled;
  }

  /** The load that started with `token` succeeded: every wake-up up to then is covered. */
  loaded(token: number): void {
    this.covered = Math.max(this.covered, token);
  }

  /** True when some wake-up has not been covered by a successful load yet. */
  get pending(): boolean {
    return this.covered < this.signalled;
  }

  /**
   * Complete as far as the cache can know: its listener is connected (so a change commits → a notification
   * comes) and no wake-up is pending. A failed load leaves the change pending.
   */
  confirmed(listenerConnected: boolean): boolean {
    return listenerConnected && !this.pending;
  }
}
