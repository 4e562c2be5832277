import { policyForAlert, tierAt, UNREACHABLE_POLICY } from '../escalation/escalation-policy';
import { afterFirstDispatch, chooseRecipients, type ContactPoint, groupWindowMs } from './dispatch-plan';

const contact = (userId: string, channel: 'email' | 'sms'): ContactPoint => ({
  userId,
  contactPointId: `${userId}-${channel}`,
  channel,
  address: `${userId}@${channel}`,
});

describe('who a notification reaches', () => {
  const contacts = [
    contact('ana', 'sms'),
    contact('ana', 'email'),
    contact('ben', 'sms'),
    contact('cy', 'email'),
  ];

  it('pages a critical on every verified channel at once', () => {
    const { recipients, unreachableUserIds } = chooseRecipients(['ana', 'ben', 'dee'], contacts, 'critical');
    expect(recipients.map((r) => r.contactPointId)).toEqual(['ana-sms', 'ana-email', 'ben-sms']);
    expect(unreachableUserIds).toEqual(['dee']);
  });

  it('sends a warning by email, by SMS only to a person without a verified email', () => {
    const { recipients } = chooseRecipients(['ana', 'ben', 'cy'], contacts, 'warning');
    expect(recipients.map((r) => r.contactPointId)).toEqual(['ana-email', 'ben-sms', 'cy-email']);
  });

  it('pages nobody for info (it goes in the daily digest)', () => {
    const { recipients, unreachableUserIds } = chooseRecipients(['ana'], contacts, 'info');
    expect(recipients).toEqual([]);
    expect(unreachableUserIds).toEqual(['ana']);
  });

  it('lets only a warning wait for its group window', () => {
    expect(groupWindowMs('warning', 60_000)).toBe(60_000);
    expect(groupWindowMs('critical', 60_000)).toBe(0);
  });
});

describe('what a first dispatch sets going', () => {
  it('starts the escalation timer for a new or raised alert, not for an escalation step or a closed alert', () => {
    const open = { alertState: 'open', severity: 'critical' as const, recipients: 2 };
    expect(afterFirstDispatch({ ...open, reason: 'opened' }).startTimer).toBe(true);
    expect(afterFirstDispatch({ ...open, reason: 'severity-raised' }).startTimer).toBe(true);
    expect(afterFirstDispatch({ ...open, reason: 'escalated' }).startTimer).toBe(false);
    expect(afterFirstDispatch({ ...open, reason: 'opened', alertState: 'acknowledged' }).startTimer).toBe(
      false,
    );
  });

  it('finds nobody reachable only for an open alert that pages and reached no contact', () => {
    const base = { reason: 'opened', alertState: 'open', severity: 'warning' as const };
    expect(afterFirstDispatch({ ...base, recipients: 0 }).nobodyReachable).toBe(true);
    expect(afterFirstDispatch({ ...base, recipients: 1 }).nobodyReachable).toBe(false);
    expect(afterFirstDispatch({ ...base, recipients: 0, severity: 'info' }).nobodyReachable).toBe(false);
    expect(afterFirstDispatch({ ...base, recipients: 0, alertState: 'resolved' }).nobodyReachable).toBe(
      false,
    );
  });
});

describe('the policy an alert follows', () => {
  it("pages the admins about an unreachable alert, else the alert's pinned policy with the fail-safe tier", () => {
    expect(policyForAlert('unreachable', { anything: true })).toBe(UNREACHABLE_POLICY);
    const pinned = policyForAlert('threshold', {
      tiers: [
        { name: 'on duty', targets: [{ type: 'on-duty' }], timeoutMinutes: { critical: 5, warning: 30 } },
      ],
      repeat: 0,
    });
    expect(pinned.tiers.map((t) => t.name)).toEqual(['on duty', 'safety officers']);
    expect(policyForAlert('threshold', 'not a policy').tiers.map((t) => t.name)).toEqual(['safety officers']);
  });

  it('reads a tier past the end as the last', () => {
    const policy = policyForAlert('threshold', null);
    expect(tierAt(policy, 7)).toBe(policy.tiers[policy.tiers.length - 1]);
    expect(tierAt(policy, 0)).toBe(policy.tiers[0]);
  });
});
