import { CacheFreshness } from './cache-freshness';

describe('CacheFreshness', () => {
  it('is not confirmed before the first load, and is once a load succeeded with the listener connected', () => {
    const freshness = new CacheFreshness();
    expect(freshness.confirmed(true)).toBe(false);
    freshness.loaded(freshness.loadStarting());
    expect(freshness.confirmed(true)).toBe(true);
    expect(freshness.confirmed(false)).toBe(false);
  });

  it('keeps a change pending until a load that started after it succeeds', () => {
    const freshness = new CacheFreshness();
    freshness.loaded(freshness.loadStarting());

    const before = freshness.loadStarting();
    freshness.changed();
    // The load in flight took its snapshot before the change: it does not cover it.
    freshness.loaded(before);
    expect(freshness.confirmed(true)).toBe(false);

    const after = freshness.loadStarting();
    freshness.loaded(after);
    expect(freshness.confirmed(true)).toBe(true);
  });

  it('stays unconfirmed when the load after a change fails (it is never reported loaded)', () => {
    const freshness = new CacheFreshness();
    freshness.loaded(freshness.loadStarting());
    freshness.changed();
    freshness.loadStarting(); // ... and the load throws
    expect(freshness.pending).toBe(true);
    expect(freshness.confirmed(true)).toBe(false);
  });

  it('is not set back by an older load finishing after a newer one', () => {
    const freshness = new CacheFreshness();
    const older = freshness.loadStarting();
    freshness.changed();
    const newer = freshness.loadStarting();
    freshness.loaded(newer);
    freshness.loaded(older);
    expect(freshness.confirmed(true)).toBe(true);
  });
});
