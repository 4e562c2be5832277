import { type Severity } from '@alem/clinical';

export interface RateLimit {
  /** Messages one contact point may receive within `windowMs`; 0 disables the limit. */
  count: number;
  windowMs: number;
}

export type SendDecision =
  /** Send now: this delivery alone, or as a summary of everything else waiting for the contact (`carry`). */
  | { kind: 'send'; carry: 'held' | 'all' }
  /** Hold until the window has room; then it goes as one summary with whatever else was held. */
  | { kind: 'hold'; until: Date };

/**
 * The per-contact rate limit ("a flood becomes a summary, not a hundred texts"). Given when the contact's
 * recent messages were taken for sending (within the window, any order):
 *
 * - under the limit: send; held deliveries of the contact ride along (`carry: 'held'`);
 * - at the limit, critical: send at once, never held, carrying every other delivery waiting for the contact
 *   as one summary (`carry: 'all'`), so several criticals in a flood collapse into one immediate message;
 * - at the limit, warning or info: hold until the oldest counted message leaves the window.
 */
export function decideSend(
  severity: Severity,
  recent: readonly Date[],
  limit: RateLimit,
  now: Date,
): SendDecision {
  if (limit.count <= 0) return { kind: 'send', carry: 'held' };
  const inWindow = recent
    .filter((d) => d.getTime() > now.getTime() - limit.windowMs)
    .sort((a, b) => a.getTime() - b.getTime());
  if (inWindow.length < limit.count) return { kind: 'send', carry: 'held' };
  if (severity === 'critical') return { kind: 'send', carry: 'all' };
  // Room again when enough of the counted messages have left the window.
  const freeing = inWindow[inWindow.length - limit.count]!;
  return { kind: 'hold', until: new Date(freeing.getTime() + limit.windowMs) };
}
