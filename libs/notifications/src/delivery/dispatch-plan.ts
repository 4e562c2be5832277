import { type Severity } from '@alem/clinical';
import { type Channel, firstChannels } from '../escalation/escalation-policy';

/** A verified contact point of an active person. */
export interface ContactPoint {
  userId: string;
  contactPointId: string;
  channel: Channel;
  address: string;
}

/**
 * Who of a tier's people gets the message, on which of their verified contacts (`firstChannels`: a critical on
 * every channel at once, a warning by email, else SMS), and who has none the severity can use.
 */
export function chooseRecipients(
  userIds: readonly string[],
  contacts: readonly ContactPoint[],
  severity: Severity,
): { recipients: ContactPoint[]; unreachableUserIds: string[] } {
  const recipients: ContactPoint[] = [];
  const unreachableUserIds: string[] = [];
  for (const userId of userIds) {
    const own = contacts.filter((c) => c.userId === userId);
    const channels = firstChannels(severity, new Set(own.map((c) => c.channel)));
    const chosen = own.filter((c) => channels.includes(c.channel));
    if (chosen.length === 0) unreachableUserIds.push(userId);
    recipients.push(...chosen);
  }
  return { recipients, unreachableUserIds };
}

/** How long a message waits for others of its group: a warning the group window; a critical never. */
export function groupWindowMs(severity: Severity, warningGroupWindowMs: number): number {
  return severity === 'warning' ? warningGroupWindowMs : 0;
}

/** A notification dispatched for the first time, as what follows from it is decided. */
export interface FirstDispatch {
  /** `opened`, `severity-raised`, `escalated`, ... */
  reason: string;
  alertState: string;
  severity: Severity;
  recipients: number;
}

/**
 * What a first dispatch sets going: the alert's escalation timer at this tier (a new alert or a raised severity;
 * an escalation step moved the timer itself), and, when nobody at the tier has a usable contact for an open
 * alert that pages, the admins' `unreachable` alert and the next tier.
 */
export function afterFirstDispatch(n: FirstDispatch): { startTimer: boolean; nobodyReachable: boolean } {
  return {
    startTimer: n.reason !== 'escalated' && n.alertState === 'open',
    nobodyReachable: n.recipients === 0 && n.alertState === 'open' && n.severity !== 'info',
  };
}
