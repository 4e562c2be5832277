import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { siteId } from '../care-teams/care-team.dto';
import { pageQueryShape, pageSchema } from '../common/pagination';

const indication = z.enum(['MS', 'CLL']).describe('MS: Lemtrada; CLL: Campath');
const severity = z.enum(['info', 'warning', 'critical']);

export class SiteParams extends createZodDto(z.object({ siteId }).strict()) {}
export class SiteRuleSetParams extends createZodDto(z.object({ siteId, indication }).strict()) {}

/**
 * One site's change to one rule (`RuleOverride` of the rule engine). Only the shape is checked here; whether the
 * rule, threshold and tier exist is decided by applying the overrides to the shipped set (every problem listed).
 */
export const ruleOverrideSchema = z
  .object({
    ruleId: z
      .string()
      .regex(/^[A-Z][A-Z0-9]*-[0-9]+$/, 'a rule id such as URBC-1')
      .describe('The rule (GET /rule-sets lists them)'),
    thresholds: z
      .record(z.string().min(1).max(64), z.number())
      .optional()
      .describe('New values of named thresholds the rule has, in canonical units: { "itp": 120 }'),
    severity: severity
      .optional()
      .describe('The severity of a single-tier rule (not critical: its emergency flag is cleared)'),
    tiers: z
      .record(
        z.string().min(1).max(64),
        z
          .object({ severity: severity.optional(), emergency: z.boolean().optional() })
          .strict()
          .refine((t) => t.severity !== undefined || t.emergency !== undefined, {
            message: 'give a severity or emergency',
          }),
      )
      .optional()
      .describe('Severity and emergency per tier id, for ladders: { "lt-100": { "severity": "warning" } }'),
    enabled: z
      .boolean()
      .optional()
      .describe('false: the rule raises nothing (it still serves rules built on it, e.g. CREA-1 in RENAL-1)'),
  })
  .strict()
  .refine(
    (o) =>
      o.thresholds !== undefined ||
      o.severity !== undefined ||
      o.tiers !== undefined ||
      o.enabled !== undefined,
    { message: 'an override changes thresholds, severity, tiers or enabled' },
  );

export const createRuleOverridesSchema = z
  .object({
    indication,
    overrides: z
      .array(ruleOverrideSchema)
      .max(200)
      .describe(
        'The WHOLE override list of the new version (it replaces the previous one; [] returns to the shipped set)',
      ),
    reason: z
      .string()
      .trim()
      .min(3)
      .max(1000)
      .describe(
        'Why the site changes its rules (clinical sign-off, committee decision); kept with the version',
      ),
  })
  .strict();
export class CreateRuleOverridesDto extends createZodDto(createRuleOverridesSchema) {}

export class RuleOverrideQueryDto extends createZodDto(
  z.object({ ...pageQueryShape, indication: indication.optional() }).strict(),
) {}

const tierSchema = z.object({
  id: z.string(),
  severity,
  emergency: z.boolean().describe('Critical and an emergency (paged at once, bleeding/sepsis pathways)'),
  summary: z.string().describe('The explanation template ({value}, {unit}, threshold names)'),
  action: z.string().nullable().describe('Overrides the rule’s action for this tier'),
  uses: z
    .object({
      analytes: z.array(z.string()),
      thresholds: z.array(z.string()).describe('Named thresholds the tier’s condition reads'),
      flags: z.array(z.string()).describe('Patient clinical flags it reads (pregnant, onHeparin …)'),
      rules: z.array(z.string()).describe('Other rules whose tiers it re-uses'),
    })
    .describe('What the tier’s condition reads'),
});
export type TierView = z.infer<typeof tierSchema>;

const ruleSchema = z.object({
  id: z.string(),
  title: z.string(),
  evidence: z
    .string()
    .describe('Evidence tags of clinical-rules.md §2: [FDA-L], [G], [P] (project default) …'),
  description: z.string().nullable(),
  kind: z.enum(['breach', 'data-quality']),
  evaluation: z.enum(['lab', 'not-lab']).describe('not-lab: listed and versioned, never graded on a result'),
  enabled: z.boolean(),
  overridden: z.boolean().describe('The site’s overrides change this rule'),
  appliesIn: z.string().nullable().describe('Graded only inside this clinical window (W0-60, CD4-D60 …)'),
  pairingDays: z
    .union([z.number(), z.string()])
    .nullable()
    .describe('Composites: partner results within ± this many days (or the threshold of that name)'),
  thresholds: z.record(z.string(), z.number()).describe('Named numbers in canonical units'),
  tiers: z.array(tierSchema).describe('The severity ladder; the worst tier met wins'),
  windows: z
    .array(
      z.object({
        window: z.string(),
        tiers: z.array(z.string()).nullable().describe('null: every tier'),
        severity: severity.nullable(),
        emergency: z.boolean().nullable(),
        action: z.string().nullable(),
        note: z.string(),
      }),
    )
    .describe('Inside a clinical window, tiers take another severity or action'),
  supersedes: z.array(z.string()).describe('Rules it silences for the same result when at least as grave'),
  limitations: z.array(z.string()).describe('What lab data alone cannot decide, said out loud'),
  action: z.string(),
});
export type RuleView = z.infer<typeof ruleSchema>;

export const ruleSetViewSchema = z.object({
  id: z.string(),
  version: z.string().describe('What every alert graded with this set pins (ms-2026.3, ms-2026.3+brno.v2)'),
  indication,
  title: z.string(),
  source: z.string(),
  notes: z.array(z.string()),
  site: z.object({ label: z.string(), baseVersion: z.string() }).nullable(),
  rules: z.array(ruleSchema),
});
export type RuleSetView = z.infer<typeof ruleSetViewSchema>;
export class RuleSetListDto extends createZodDto(z.object({ items: z.array(ruleSetViewSchema) })) {}

export const ruleOverrideVersionSchema = z.object({
  id: z.string(),
  siteId: z.string(),
  indication,
  version: z.number().int().describe('Numbered per site and indication; the latest applies'),
  siteLabel: z.string().describe('The site part of the rule-set version (brno.v2)'),
  ruleSetVersion: z
    .string()
    .describe('The version alerts pin while this is the latest (on the shipped set in force now)'),
  overrides: z.array(z.unknown()).describe('The whole override list of this version'),
  reason: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});
export type RuleOverrideVersionView = z.infer<typeof ruleOverrideVersionSchema>;
export class RuleOverrideVersionDto extends createZodDto(ruleOverrideVersionSchema) {}
export class RuleOverridePageDto extends createZodDto(pageSchema(ruleOverrideVersionSchema)) {}

export const effectiveRuleSetSchema = z.object({
  siteId: z.string(),
  indication,
  version: z.string().describe('The version alerts of this site and indication pin'),
  baseVersion: z.string().describe('The shipped set it is built on'),
  override: ruleOverrideVersionSchema
    .nullable()
    .describe('The latest override version; null: the shipped set'),
  problems: z
    .array(z.string())
    .describe(
      'Non-empty only when the latest overrides no longer apply to the shipped set (after an upgrade): the ' +
        'result processor cannot apply them either (it keeps the sets it had loaded); save a corrected version',
    ),
  ruleSet: ruleSetViewSchema.nullable().describe('null when the overrides do not apply (see problems)'),
});
export type EffectiveRuleSetView = z.infer<typeof effectiveRuleSetSchema>;
export class EffectiveRuleSetDto extends createZodDto(effectiveRuleSetSchema) {}
