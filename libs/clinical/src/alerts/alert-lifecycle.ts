import { severityRank, type Severity } from './alert-decision';

export interface OpenAlertState {
  severity: Severity;
  emergency: boolean;
  state: 'open' | 'acknowledged';
}

export type AlertChange =
  /** No open alert for this patient and rule: open one. */
  | { type: 'open'; notify: boolean }
  /** An open alert exists: record another occurrence. */
  | { type: 'occurrence'; severityRaised: boolean; reopen: boolean; notify: boolean };

/**
 * What a new rule decision does to the patient's open alert for that rule (one open alert per patient and
 * rule):
 * - none open → open one; people are notified unless it is informational (info is shown, never paged);
 * - open, and the new occurrence is worse (higher severity, or the emergency flag) → raise the severity, put an
 *   acknowledged alert back to open, and notify again;
 * - open, not worse → an occurrence on the timeline, no new notification.
 */
export function planAlertChange(
  existing: OpenAlertState | null,
  next: { severity: Severity; emergency: boolean },
): AlertChange {
  if (!existing) return { type: 'open', notify: next.severity !== 'info' };
  const worse =
    severityRank(next.severity, next.emergency) > severityRank(existing.severity, existing.emergency);
  if (!worse) return { type: 'occurrence', severityRaised: false, reopen: false, notify: false };
  return {
    type: 'occurrence',
    severityRaised: true,
    reopen: existing.state === 'acknowledged',
    notify: next.severity !== 'info',
  };
}
