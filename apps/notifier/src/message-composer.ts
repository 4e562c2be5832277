import { type ClaimedItem } from '@alem/persistence';
import {
  type RenderedEmail,
  renderAlertEmail,
  renderAlertSms,
  renderSummaryEmail,
  renderSummarySms,
  signAcknowledgementToken,
} from '@alem/notifications';

export interface MessageLinks {
  publicBaseUrl: string;
  ackTokenSecret: string;
  ackTokenTtlMs: number;
}

export type ComposedMessage =
  | { kind: 'single'; channel: 'email'; email: RenderedEmail }
  | { kind: 'single'; channel: 'sms'; sms: string }
  | { kind: 'summary'; channel: 'email'; email: RenderedEmail }
  | { kind: 'summary'; channel: 'sms'; sms: string };

/** The acknowledgement link of one delivery: good from its creation for the configured time, then expired. */
export function acknowledgementLink(
  links: MessageLinks,
  item: Pick<ClaimedItem, 'deliveryId' | 'createdAt'>,
): string {
  const token = signAcknowledgementToken(links.ackTokenSecret, {
    deliveryId: item.deliveryId,
    expiresAt: new Date(item.createdAt.getTime() + links.ackTokenTtlMs),
  });
  return `${links.publicBaseUrl}/acknowledgements/${token}`;
}

/**
 * What one message says: one open alert → its own message, with its acknowledgement link; several (a warning
 * group, held messages, a flood) → one summary with a count and a link to the person's open alerts. Built only
 * from the PHI-free template fields.
 */
export function composeMessage(
  channel: 'email' | 'sms',
  open: readonly ClaimedItem[],
  links: MessageLinks,
): ComposedMessage {
  if (open.length === 1) {
    const item = open[0]!;
    const fields = {
      severity: item.severity,
      emergency: item.emergency,
      reference: item.alertReference,
      link: `${links.publicBaseUrl}/alerts/${item.alertReference}`,
      reason: item.reason,
      acknowledgeLink: acknowledgementLink(links, item),
      unreachable: item.alertKind === 'unreachable',
    };
    return channel === 'email'
      ? { kind: 'single', channel, email: renderAlertEmail(fields) }
      : { kind: 'single', channel, sms: renderAlertSms(fields) };
  }
  const summary = {
    count: open.length,
    critical: open.filter((i) => i.severity === 'critical').length,
    link: `${links.publicBaseUrl}/alerts?state=open`,
  };
  return channel === 'email'
    ? { kind: 'summary', channel, email: renderSummaryEmail(summary) }
    : { kind: 'summary', channel, sms: renderSummarySms(summary) };
}
