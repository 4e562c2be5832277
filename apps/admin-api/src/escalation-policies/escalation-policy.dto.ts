import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { escalationPolicySchema } from '@alem/notifications';

export class CareTeamParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}

export class NewPolicyVersionDto extends createZodDto(
  escalationPolicySchema
    .extend({ note: z.string().trim().max(500).optional().describe('Why the policy changes') })
    .strict(),
) {}

export class OnDutyDto extends createZodDto(
  z
    .object({
      userIds: z
        .array(z.uuid())
        .max(200)
        .describe('The team members on duty from now (everyone else of the team is off duty); [] → nobody'),
    })
    .strict(),
) {}

const policyVersionSchema = z.object({
  id: z.string(),
  careTeamId: z.string().nullable().describe('null: the default policy of teams without their own'),
  version: z.number().int(),
  definition: z.unknown().describe('The policy as stored (tiers, repeat)'),
  effective: z.unknown().describe('The policy as it runs (the fail-safe tier appended if missing)'),
  note: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type PolicyVersionView = z.infer<typeof policyVersionSchema>;
export class PolicyVersionDto extends createZodDto(policyVersionSchema) {}

export const policyOverviewSchema = z.object({
  inForce: policyVersionSchema.describe('What an alert opening now would pin'),
  versions: z.array(policyVersionSchema).describe('Every version of this scope, newest first'),
  onDuty: z.array(z.string()).describe('Members on duty (the first tier); [] → the whole team'),
});
export type PolicyOverviewView = z.infer<typeof policyOverviewSchema>;
export class PolicyOverviewDto extends createZodDto(policyOverviewSchema) {}
