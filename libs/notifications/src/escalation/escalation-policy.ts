import { type Severity } from '@alem/clinical';
import { z } from 'zod';

/**
 * Who a tier pages:
 * - `on-duty`: the team members marked on duty (`care_team_members.on_duty`); nobody on duty → the whole team;
 * - `team`: every member of the team (optionally only members with one of `roles`);
 * - `safety-officers`: members with role `safety-officer` of any team of the alert's site; none → the admins;
 * - `admins`: active users with the `admin` role;
 * - `user`: one named person.
 */
export const escalationTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('on-duty') }).strict(),
  z
    .object({ type: z.literal('team'), roles: z.array(z.string().min(1).max(50)).min(1).max(20).optional() })
    .strict(),
  z.object({ type: z.literal('safety-officers') }).strict(),
  z.object({ type: z.literal('admins') }).strict(),
  z.object({ type: z.literal('user'), userId: z.uuid() }).strict(),
]);
export type EscalationTarget = z.infer<typeof escalationTargetSchema>;

export const escalationTierSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    targets: z.array(escalationTargetSchema).min(1).max(20),
    /** How long this tier has to acknowledge before the next one is paged, per severity. */
    timeoutMinutes: z
      .object({
        critical: z
          .number()
          .int()
          .min(1)
          .max(24 * 60),
        warning: z
          .number()
          .int()
          .min(1)
          .max(14 * 24 * 60),
      })
      .strict(),
  })
  .strict();
export type EscalationTier = z.infer<typeof escalationTierSchema>;

export const escalationPolicySchema = z
  .object({
    tiers: z.array(escalationTierSchema).min(1).max(10),
    /** How many more times the tiers are paged from the first after the last (PagerDuty's loops). */
    repeat: z.number().int().min(0).max(9),
  })
  .strict();
export type EscalationPolicyDefinition = z.infer<typeof escalationPolicySchema>;

/** The last tier that always exists: the site's safety officers (or, without any, the admins). */
export const FAIL_SAFE_TIER: EscalationTier = {
  name: 'safety officers',
  targets: [{ type: 'safety-officers' }],
  timeoutMinutes: { critical: 15, warning: 24 * 60 },
};

/** What an `unreachable` alert (nobody on a team could be reached) follows: the admins, until one acknowledges. */
export const UNREACHABLE_POLICY: EscalationPolicyDefinition = {
  tiers: [{ name: 'admins', targets: [{ type: 'admins' }], timeoutMinutes: { critical: 15, warning: 60 } }],
  repeat: 0,
};

/**
 * The policy as it runs: a policy whose last tier does not page the safety officers or the admins gets the
 * fail-safe tier appended, so that an unacknowledged alert always ends with someone accountable for the site.
 */
export function withFailSafeTier(policy: EscalationPolicyDefinition): EscalationPolicyDefinition {
  const last = policy.tiers[policy.tiers.length - 1];
  const failSafe = last?.targets.some((t) => t.type === 'safety-officers' || t.type === 'admins');
  return failSafe ? policy : { ...policy, tiers: [...policy.tiers, FAIL_SAFE_TIER] };
}

/** Reads a stored definition; a broken one (it was validated when written) falls back to the fail-safe tier. */
export function parseEscalationPolicy(definition: unknown): EscalationPolicyDefinition {
  const parsed = escalationPolicySchema.safeParse(definition);
  return withFailSafeTier(parsed.success ? parsed.data : { tiers: [FAIL_SAFE_TIER], repeat: 0 });
}

/** Where an alert's escalation stands: the tier paged last (1-based) and how many loops are done. */
export interface EscalationPosition {
  tier: number;
  cycle: number;
}

/**
 * How long a tier has before the next takes over; null when the severity is not escalated (info is never
 * paged).
 */
export function tierTimeoutMs(
  policy: EscalationPolicyDefinition,
  tier: number,
  severity: Severity,
): number | null {
  if (severity === 'info') return null;
  return tierAt(policy, tier).timeoutMinutes[severity] * 60_000;
}

/**
 * The next step after a tier timed out (or could not be reached): the next tier; after the last, the first
 * again while loops remain; then the last tier again and again (it is reminded at each timeout until somebody
 * acknowledges: an unacknowledged critical result never goes quiet).
 */
export function nextEscalation(
  policy: EscalationPolicyDefinition,
  at: EscalationPosition,
): EscalationPosition & { reminder: boolean } {
  if (at.tier < policy.tiers.length) return { tier: at.tier + 1, cycle: at.cycle, reminder: false };
  if (at.cycle < policy.repeat) return { tier: 1, cycle: at.cycle + 1, reminder: false };
  return { tier: policy.tiers.length, cycle: at.cycle, reminder: true };
}

/**
 * The policy an alert follows: an `unreachable` alert pages the admins (`UNREACHABLE_POLICY`); any other the
 * definition pinned when it opened (with the fail-safe tier; an unreadable or missing one is the fail-safe tier).
 */
export function policyForAlert(kind: string, definition: unknown): EscalationPolicyDefinition {
  return kind === 'unreachable' ? UNREACHABLE_POLICY : parseEscalationPolicy(definition);
}

/** The tier a notification pages (a tier past the policy's end is its last). */
export function tierAt(policy: EscalationPolicyDefinition, tier: number): EscalationTier {
  return policy.tiers[Math.min(Math.max(tier, 1), policy.tiers.length) - 1]!;
}

/** True when the tier is the policy's last (where "nobody reachable" cannot be escalated further). */
export function isLastTier(policy: EscalationPolicyDefinition, tier: number): boolean {
  return tier >= policy.tiers.length;
}

export type Channel = 'email' | 'sms';

/**
 * Which of a person's verified channels a message of this severity uses at first:
 * - critical: every channel at once (SMS and email), no grouping;
 * - warning: email; SMS only for a person without a verified email (and as the next channel when email fails);
 * - info: none (informational alerts are shown in the API and summarised in the daily digest).
 */
export function firstChannels(severity: Severity, verified: ReadonlySet<Channel>): Channel[] {
  if (severity === 'critical') return (['sms', 'email'] as const).filter((c) => verified.has(c));
  if (severity === 'warning') {
    if (verified.has('email')) return ['email'];
    return verified.has('sms') ? ['sms'] : [];
  }
  return [];
}
