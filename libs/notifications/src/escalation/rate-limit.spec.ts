import { decideSend } from './rate-limit';

const NOW = new Date('2026-03-01T10:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const LIMIT = { count: 3, windowMs: 10 * 60_000 };

describe('the per-contact rate limit', () => {
  it('sends under the limit, with whatever is held riding along', () => {
    expect(decideSend('warning', [ago(1), ago(2)], LIMIT, NOW)).toEqual({ kind: 'send', carry: 'held' });
    // Messages older than the window do not count.
    expect(decideSend('warning', [ago(11), ago(12), ago(13), ago(1)], LIMIT, NOW)).toEqual({
      kind: 'send',
      carry: 'held',
    });
  });

  it('holds a warning at the limit until the oldest counted message leaves the window', () => {
    expect(decideSend('warning', [ago(2), ago(8), ago(5)], LIMIT, NOW)).toEqual({
      kind: 'hold',
      until: new Date(ago(8).getTime() + LIMIT.windowMs),
    });
    expect(decideSend('info', [ago(1), ago(2), ago(3), ago(4)], LIMIT, NOW)).toEqual({
      kind: 'hold',
      until: new Date(ago(3).getTime() + LIMIT.windowMs),
    });
  });

  it('never holds a critical: at the limit it goes at once, carrying everything waiting as one summary', () => {
    expect(decideSend('critical', [ago(1), ago(2), ago(3), ago(4)], LIMIT, NOW)).toEqual({
      kind: 'send',
      carry: 'all',
    });
    expect(decideSend('critical', [ago(1)], LIMIT, NOW)).toEqual({ kind: 'send', carry: 'held' });
  });

  it('is off with a count of 0', () => {
    expect(decideSend('warning', Array(50).fill(ago(1)), { count: 0, windowMs: 1 }, NOW)).toEqual({
      kind: 'send',
      carry: 'held',
    });
  });
});
