import { buildFeed } from './drill-feed';

describe('the drill feed', () => {
  const spec = { results: 2000, patients: 300, breaching: 30, resendShare: 0.02, malformed: 6, seed: 7 };
  const now = new Date('2026-12-07T12:00:00Z');

  it('is the same for the same seed', () => {
    expect(buildFeed(spec, now).map((i) => i.payload)).toEqual(buildFeed(spec, now).map((i) => i.payload));
  });

  it('has each result once, about 2 % exact re-sends, the malformed items, and one critical per breaching patient', () => {
    const feed = buildFeed(spec, now);
    const originals = feed.filter((i) => !i.resend && !i.malformed);
    expect(new Set(originals.map((i) => i.controlId)).size).toBe(2000);
    const resends = feed.filter((i) => i.resend);
    expect(resends.length).toBeGreaterThanOrEqual(30);
    expect(resends.length).toBeLessThanOrEqual(40);
    for (const r of resends) {
      const original = originals.find((i) => i.controlId === r.controlId)!;
      expect(r.payload).toBe(original.payload);
      expect(feed.indexOf(r)).toBeGreaterThan(feed.indexOf(original));
    }
    expect(feed.filter((i) => i.malformed)).toHaveLength(6);
    const breaching = originals.filter((i) => i.breaching);
    expect(new Set(breaching.map((i) => i.patient)).size).toBe(30);
    // A breaching patient gets nothing else: no earlier platelet count for a fall to be measured from.
    const breachingPatients = new Set(breaching.map((i) => i.patient));
    expect(originals.filter((i) => !i.breaching && breachingPatients.has(i.patient))).toEqual([]);
    expect(new Set(originals.map((i) => i.route))).toEqual(new Set(['mllp', 'kafka']));
  });
});
