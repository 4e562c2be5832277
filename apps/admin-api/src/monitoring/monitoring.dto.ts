import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { EXPECTATION_STATUSES, type MonitoringSettingsOverrides } from '@alem/clinical';
import { senderSchema } from '../auth/auth.dto';
import { siteId } from '../care-teams/care-team.dto';
import { pageQueryShape, pageSchema } from '../common/pagination';

const calendarDay = z.iso.date().describe('Calendar day in the site’s time zone, YYYY-MM-DD');
const severity = z.enum(['none', 'info', 'warning', 'critical']);
const expectationStatus = z.enum(EXPECTATION_STATUSES);

export class SuspensionParams extends createZodDto(
  z.object({ id: z.uuid(), suspensionId: z.uuid() }).strict(),
) {}
export class SiteParams extends createZodDto(z.object({ siteId }).strict()) {}
export class FeedParams extends createZodDto(
  z
    .object({
      sender: senderSchema.describe('APPLICATION^FACILITY, URL-encoded in the path (LIS%5ECENTRAL-LAB)'),
    })
    .strict(),
) {}

// ---- a patient's monitoring status ----

const expectationSchema = z.object({
  ruleId: z.string().describe('MISSED-CBC, MISSED-THYROID, GATE-UPCR, CD4-REMINDER …'),
  title: z.string().nullable(),
  kind: z.enum(['periodic', 'gate', 'reminder']),
  courseNumber: z.number().int().nullable(),
  status: expectationStatus,
  severity: severity.describe('Of the missed-result alert it implies (held: the severity being held)'),
  dueDay: z.string().nullable(),
  warningDay: z.string().nullable(),
  criticalDay: z.string().nullable(),
  daysOverdue: z.number().int().nullable().describe('Days past the due day (0 on it); null before it'),
  lastReceivedDay: z.string().nullable().describe('Day of the last complete sample'),
  receivedComponents: z.array(z.string()),
  missingComponents: z.array(z.string()).describe('Of the current sample (partial: what has not come)'),
  partialDay: z.string().nullable(),
  heldBy: z.array(z.string()).describe('Quiet lab feeds (senders) holding the alert: recorded, not sent'),
  holdUntil: z.string().nullable().describe('When the hold runs out and the alert goes out anyway'),
  suspension: z
    .object({ reason: z.string(), author: z.string(), start: z.string(), end: z.string().nullable() })
    .nullable()
    .describe('The suspension in force'),
  underlying: z
    .object({ status: expectationStatus, severity })
    .nullable()
    .describe('suspended/held: the state underneath'),
  summary: z.string().nullable(),
  action: z.string().nullable(),
  alert: z
    .object({ id: z.string(), reference: z.string(), state: z.string(), severity: z.string() })
    .nullable()
    .describe('The open missed-result alert'),
  statusSince: z.string(),
  evaluatedAt: z.string(),
});
export type ExpectationItemView = z.infer<typeof expectationSchema>;

export const monitoringPlanSchema = z.object({
  plannedCourse: z
    .object({ courseNumber: z.number().int().nullable(), startDay: z.string() })
    .nullable()
    .describe('The next course once a date is set (the pre-course gates count towards it)'),
  cllTherapyEndDay: z.string().nullable(),
  monitoringExtensionMonths: z.number().int(),
  thyroidExtensionMonths: z.number().int(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type MonitoringPlanView = z.infer<typeof monitoringPlanSchema>;
export class MonitoringPlanDto extends createZodDto(monitoringPlanSchema) {}

export const patientMonitoringSchema = z.object({
  patientId: z.string(),
  evaluatedAt: z.string().nullable().describe('The scheduler’s last evaluation of the patient'),
  awaitingEvaluation: z
    .boolean()
    .describe('New input (a result, course, suspension, plan) since then: the next sweep re-evaluates'),
  nextCheckAt: z.string().nullable().describe('When a state changes by itself next (null: only new input)'),
  plan: monitoringPlanSchema,
  expectations: z.array(expectationSchema),
});
export type PatientMonitoringView = z.infer<typeof patientMonitoringSchema>;
export class PatientMonitoringDto extends createZodDto(patientMonitoringSchema) {}

// ---- suspensions ----

export const createSuspensionSchema = z
  .object({
    reason: z.enum(['hospitalised', 'transferred', 'deceased', 'off-protocol']),
    startDay: calendarDay.describe('First suspended day (site zone)'),
    endDay: calendarDay
      .nullable()
      .default(null)
      .describe('Last suspended day, included; required except for deceased'),
    note: z.string().trim().min(1).max(500).nullable().default(null),
  })
  .strict();
export class CreateSuspensionDto extends createZodDto(createSuspensionSchema) {}
export class ChangeSuspensionEndDto extends createZodDto(
  z.object({ endDay: calendarDay.describe('The new last suspended day (end early or extend)') }).strict(),
) {}

export const suspensionSchema = z.object({
  id: z.string(),
  patientId: z.string(),
  reason: z.string(),
  authorUserId: z.string(),
  startDay: z.string(),
  endDay: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
  withdrawnAt: z.string().nullable().describe('Withdrawn (recorded in error): kept, ignored by the schedule'),
});
export type SuspensionItemView = z.infer<typeof suspensionSchema>;
export class SuspensionDto extends createZodDto(suspensionSchema) {}
export class SuspensionListDto extends createZodDto(z.object({ items: z.array(suspensionSchema) })) {}

// ---- the monitoring plan ----

export const monitoringPlanInputSchema = z
  .object({
    plannedCourse: z
      .object({
        courseNumber: z.number().int().min(1).max(20).nullable().default(null).describe('Default: next'),
        startDay: calendarDay,
      })
      .strict()
      .nullable()
      .optional()
      .describe('The planned next course (null clears it, e.g. once the course is recorded)'),
    cllTherapyEndDay: calendarDay.nullable().optional().describe('CLL: the day Campath therapy ended'),
    monitoringExtensionMonths: z
      .number()
      .int()
      .min(0)
      .max(120)
      .optional()
      .describe('Months added to monitoring_end for every test ("longer, if clinically indicated")'),
    thyroidExtensionMonths: z
      .number()
      .int()
      .min(0)
      .max(120)
      .optional()
      .describe('Months added for thyroid tests only ("in case of pregnancy")'),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export class MonitoringPlanInputDto extends createZodDto(monitoringPlanInputSchema) {}

// ---- expectations across patients ----

export class OverdueQueryDto extends createZodDto(
  z
    .object({
      ...pageQueryShape,
      severity: z
        .enum(['info', 'warning', 'critical'])
        .optional()
        .describe('Default: warning and critical (info is the CD4 reminder)'),
      status: expectationStatus.optional(),
      ruleId: z
        .string()
        .regex(/^[A-Z0-9-]{1,32}$/)
        .optional(),
      siteId: siteId.optional(),
      careTeamId: z.uuid().optional(),
    })
    .strict(),
) {}

export const overdueItemSchema = z.object({
  patientId: z.string(),
  siteId: z.string(),
  careTeamId: z.string(),
  ruleId: z.string(),
  kind: z.string(),
  courseNumber: z.number().int().nullable(),
  status: expectationStatus,
  severity,
  dueDay: z.string().nullable(),
  daysOverdue: z.number().int().nullable(),
  lastReceivedDay: z.string().nullable(),
  missingComponents: z.array(z.string()),
  heldBy: z.array(z.string()),
  alertId: z.string().nullable(),
  alertReference: z.string().nullable(),
  summary: z.string().nullable(),
  statusSince: z.string(),
  evaluatedAt: z.string(),
});
export type OverdueItemView = z.infer<typeof overdueItemSchema>;
export class OverduePageDto extends createZodDto(pageSchema(overdueItemSchema)) {}

// ---- site settings and integration team ----

const days = z.number().describe('days');
const interval = z
  .object({ dueDays: days, warningDays: days.nullable(), criticalDays: days.nullable() })
  .partial()
  .strict();
const gate = z
  .object({ windowDays: days.nullable(), severity: z.enum(['info', 'warning', 'critical']) })
  .partial()
  .strict();

/** `MonitoringSettingsOverrides`: unknown keys are refused; coherence is `resolveMonitoringSettings`' to judge. */
export const monitoringSettingsOverridesSchema: z.ZodType<MonitoringSettingsOverrides> = z
  .object({
    cbc: interval,
    creatinine: interval,
    urinalysis: interval,
    thyroid: interval,
    liver: interval,
    cllCbc: interval,
    cd4: z
      .object({ firstReminderDays: days, repeatDays: days, stopAtOrAbove: z.number() })
      .partial()
      .strict(),
    cll: z.object({ defaultTherapyDays: days, cd4ReminderMonths: z.number() }).partial().strict(),
    completionWindowDays: days,
    urinalysisAcceptsAutomatedRbc: z.boolean(),
    gates: z
      .object({ leadDays: days, reviewDays: days, baseline: gate, upcr: gate, hiv: gate })
      .partial()
      .strict(),
    feeds: z
      .object({
        learnLookbackDays: days,
        learnMinActiveDays: days,
        learnPercentile: z.number(),
        learnFactor: z.number(),
        quietFloorHours: z.number(),
        quietCeilingHours: z.number(),
        defaultQuietAfterHours: z.number(),
        servingLookbackDays: days,
        maxHoldDays: days,
        maxCriticalHoldHours: z.number().describe('hours'),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export class MonitoringSettingsInputDto extends createZodDto(
  z
    .object({
      overrides: monitoringSettingsOverridesSchema.describe(
        'The site’s WHOLE set of overrides of the [P] defaults (replaces the previous version; {} → defaults)',
      ),
      reason: z.string().trim().min(3).max(1000).nullable().default(null),
    })
    .strict(),
) {}

export const siteMonitoringSettingsSchema = z.object({
  siteId: z.string(),
  version: z.number().int().describe('0: the defaults, nothing saved'),
  overrides: z.record(z.string(), z.unknown()),
  settings: z.record(z.string(), z.unknown()).describe('The defaults with the overrides applied'),
  changedAt: z.string().nullable(),
  changedBy: z.string().nullable(),
});
export type SiteMonitoringSettingsView = z.infer<typeof siteMonitoringSettingsSchema>;
export class SiteMonitoringSettingsDto extends createZodDto(siteMonitoringSettingsSchema) {}

export class IntegrationTeamInputDto extends createZodDto(
  z
    .object({
      careTeamId: z
        .uuid()
        .nullable()
        .describe('A care team of the site that receives its FEED-QUIET alerts; null: none'),
    })
    .strict(),
) {}
export class IntegrationTeamDto extends createZodDto(
  z.object({ siteId: z.string(), integrationCareTeamId: z.string().nullable() }),
) {}

// ---- lab feeds ----

export class FeedQueryDto extends createZodDto(
  z
    .object({
      ...pageQueryShape,
      state: z.enum(['ok', 'quiet', 'unknown']).optional(),
      holding: z.enum(['true', 'false']).optional().describe('true: holding its patients’ missed alerts'),
      siteId: siteId.optional(),
    })
    .strict(),
) {}

export const feedSchema = z.object({
  sender: z.string(),
  siteId: z.string().nullable().describe('The site whose integration team owns it'),
  siteSource: z.enum(['configured', 'learned']).nullable(),
  state: z.enum(['ok', 'quiet', 'unknown']),
  quietAfterHours: z.number().describe('Silent this long → quiet'),
  rhythmSource: z.enum(['configured', 'learned', 'default']),
  rhythmLearnedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  quietSince: z.string().nullable(),
  holding: z.boolean().describe('Holding its patients’ missed-result alerts'),
  heldPatients: z.number().int().describe('Patients with an expectation held by this feed'),
  holdReleasedAt: z.string().nullable(),
  holdReleasedBy: z.string().nullable(),
  alertId: z.string().nullable().describe('The open FEED-QUIET alert'),
  alertReference: z.string().nullable(),
  nextCheckAt: z.string().nullable(),
});
export type FeedView = z.infer<typeof feedSchema>;
export class FeedDto extends createZodDto(feedSchema) {}
export class FeedPageDto extends createZodDto(pageSchema(feedSchema)) {}

export class FeedChangeDto extends createZodDto(
  z
    .object({
      quietAfterHours: z
        .number()
        .positive()
        .max(24 * 30)
        .nullable()
        .optional()
        .describe(
          'The lab’s rhythm by hand (quiet after this many hours); null: learn it from traffic again',
        ),
      siteId: siteId.nullable().optional().describe('The owning site; null: learn it from the patients'),
    })
    .strict()
    .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' }),
) {}

export class ReleaseHoldDto extends createZodDto(
  z
    .object({ note: z.string().trim().min(1).max(500).optional().describe('Why (on the alert timeline)') })
    .strict(),
) {}
