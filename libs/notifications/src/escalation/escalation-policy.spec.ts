import {
  type EscalationPolicyDefinition,
  escalationPolicySchema,
  FAIL_SAFE_TIER,
  firstChannels,
  isLastTier,
  nextEscalation,
  parseEscalationPolicy,
  tierTimeoutMs,
  UNREACHABLE_POLICY,
  withFailSafeTier,
} from './escalation-policy';

const tier = (name: string, critical = 15, warning = 1440) => ({
  name,
  targets: [{ type: 'team' as const }],
  timeoutMinutes: { critical, warning },
});

describe('escalation policies', () => {
  const policy: EscalationPolicyDefinition = {
    tiers: [
      { ...tier('on duty'), targets: [{ type: 'on-duty' }] },
      tier('team', 10, 600),
      { ...tier('safety'), targets: [{ type: 'safety-officers' }] },
    ],
    repeat: 1,
  };

  it('walk the tiers, loop `repeat` times, then keep reminding the last tier until acknowledged', () => {
    const steps: string[] = [];
    let at = { tier: 1, cycle: 0 };
    for (let i = 0; i < 7; i++) {
      const next = nextEscalation(policy, at);
      steps.push(`${next.tier}/${next.cycle}${next.reminder ? ' reminder' : ''}`);
      at = next;
    }
    expect(steps).toEqual(['2/0', '3/0', '1/1', '2/1', '3/1', '3/1 reminder', '3/1 reminder']);
  });

  it('give each tier its time limit per severity; info is never escalated', () => {
    expect(tierTimeoutMs(policy, 1, 'critical')).toBe(15 * 60_000);
    expect(tierTimeoutMs(policy, 2, 'critical')).toBe(10 * 60_000);
    expect(tierTimeoutMs(policy, 2, 'warning')).toBe(600 * 60_000);
    expect(tierTimeoutMs(policy, 9, 'warning')).toBe(1440 * 60_000);
    expect(tierTimeoutMs(policy, 1, 'info')).toBeNull();
  });

  it('always end with someone accountable for the site: the fail-safe tier is appended when missing', () => {
    const teamOnly = { tiers: [tier('team')], repeat: 0 };
    expect(withFailSafeTier(teamOnly).tiers.map((t) => t.name)).toEqual(['team', FAIL_SAFE_TIER.name]);
    expect(withFailSafeTier(policy)).toBe(policy);
    expect(withFailSafeTier(UNREACHABLE_POLICY)).toBe(UNREACHABLE_POLICY);
    expect(isLastTier(withFailSafeTier(teamOnly), 2)).toBe(true);
    // A stored definition that no longer validates pages the fail-safe tier rather than nobody.
    expect(parseEscalationPolicy({ tiers: [] }).tiers).toEqual([FAIL_SAFE_TIER]);
  });

  it('are validated: a tier needs targets and sane time limits', () => {
    expect(escalationPolicySchema.safeParse(policy).success).toBe(true);
    expect(
      escalationPolicySchema.safeParse({ tiers: [{ ...tier('x'), targets: [] }], repeat: 0 }).success,
    ).toBe(false);
    // A zero-minute tier would page the next one at once.
    expect(escalationPolicySchema.safeParse({ tiers: [tier('x', 0)], repeat: 0 }).success).toBe(false);
    expect(escalationPolicySchema.safeParse({ tiers: [tier('x')], repeat: 10 }).success).toBe(false);
  });
});

describe('first channels by severity', () => {
  const both = new Set(['email', 'sms'] as const);
  it('critical: SMS and email at once; warning: email (SMS only without email); info: none (digest)', () => {
    expect(firstChannels('critical', both)).toEqual(['sms', 'email']);
    expect(firstChannels('critical', new Set(['email'] as const))).toEqual(['email']);
    expect(firstChannels('warning', both)).toEqual(['email']);
    expect(firstChannels('warning', new Set(['sms'] as const))).toEqual(['sms']);
    expect(firstChannels('info', both)).toEqual([]);
    expect(firstChannels('critical', new Set())).toEqual([]);
  });
});
