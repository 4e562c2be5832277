import { type ClaimedItem } from '@alem/persistence';
import { verifyAcknowledgementToken } from '@alem/notifications';
import { composeMessage } from './message-composer';

const links = {
  publicBaseUrl: 'https://alerts.example.org',
  ackTokenSecret: 'a-test-secret-of-at-least-thirty-two-chars',
  ackTokenTtlMs: 24 * 3600_000,
};
const item = (n: number, severity: ClaimedItem['severity'] = 'critical'): ClaimedItem => ({
  deliveryId: `00000000-0000-4000-8000-00000000000${n}`,
  notificationId: `10000000-0000-4000-8000-00000000000${n}`,
  reason: 'opened',
  alertId: `20000000-0000-4000-8000-00000000000${n}`,
  alertReference: `AAAA-000${n}`,
  alertState: 'open',
  alertKind: 'breach',
  severity,
  emergency: false,
  createdAt: new Date('2026-03-01T10:00:00Z'),
});

describe('composeMessage', () => {
  it('gives one alert its own message with a signed acknowledgement link to its delivery', () => {
    const message = composeMessage('sms', [item(1)], links);
    expect(message.kind).toBe('single');
    const token = /acknowledgements\/([A-Za-z]+)$/.exec(message.channel === 'sms' ? message.sms : '')![1]!;
    expect(verifyAcknowledgementToken(links.ackTokenSecret, token, new Date('2026-03-01T12:00:00Z'))).toEqual(
      {
        deliveryId: item(1).deliveryId,
        expiresAt: new Date('2026-03-02T10:00:00Z'),
      },
    );
  });

  it('summarises several alerts with a count and the list link, without references', () => {
    const message = composeMessage('email', [item(1), item(2, 'warning'), item(3)], links);
    expect(message.kind).toBe('summary');
    if (message.channel !== 'email') throw new Error('email expected');
    expect(message.email.subject).toBe('[CRITICAL] 3 lab safety alerts need review (2 CRITICAL)');
    expect(message.email.text).toContain('https://alerts.example.org/alerts?state=open');
    expect(message.email.text).not.toContain('AAAA-0001');
  });
});
