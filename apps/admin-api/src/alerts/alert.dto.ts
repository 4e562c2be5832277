import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { pageQueryShape, pageSchema, timeRangeShape } from '../common/pagination';

export const alertQuerySchema = z
  .object({
    ...pageQueryShape,
    ...timeRangeShape,
    patientId: z.uuid().optional(),
    careTeamId: z.uuid().optional(),
    severity: z.enum(['info', 'warning', 'critical']).optional(),
    state: z.enum(['open', 'acknowledged', 'resolved']).optional(),
    ruleId: z
      .string()
      .regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/, 'a rule id such as PLT-4')
      .optional(),
    kind: z
      .enum(['breach', 'missed', 'data-quality', 'feed', 'unreachable', 'enrolment'])
      .optional()
      .describe(
        'breach or missed result, data quality, quiet feed, nobody reachable, enrolment from the infusion record',
      ),
    reference: z
      .string()
      .regex(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/, 'a reference such as K7Q2-9XMA')
      .optional(),
    sort: z
      .enum(['opened', 'triage'])
      .optional()
      .describe(
        'opened: newest first (default); triage: open first, then criticals and emergencies, oldest first',
      ),
    afterId: z
      .uuid()
      .optional()
      .describe(
        'Keyset paging (sort=opened only): the alerts after this one (the previous page’s nextAfterId); ' +
          'unlike offset, as fast on a deep page as on page 1 and stable while alerts are opened',
      ),
  })
  .strict()
  .refine((q) => q.afterId === undefined || q.sort !== 'triage', {
    message: 'afterId pages the newest-first order (sort=opened); page triage with offset',
    path: ['afterId'],
  });
export class AlertQueryDto extends createZodDto(alertQuerySchema) {}

export class AlertIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}

export class AcknowledgeAlertDto extends createZodDto(
  z
    .object({ note: z.string().trim().max(1000).optional().describe('What was done or will be done') })
    .strict(),
) {}
export class ResolveAlertDto extends createZodDto(
  z.object({ reason: z.string().trim().min(3).max(1000).describe('Why the alert is closed') }).strict(),
) {}
export class ReopenAlertDto extends createZodDto(
  z
    .object({ reason: z.string().trim().min(3).max(1000).describe('Why the alert needs attention again') })
    .strict(),
) {}

export const alertSchema = z.object({
  id: z.string(),
  reference: z.string(),
  patientId: z.string().nullable(),
  careTeamId: z.string().nullable(),
  ruleId: z.string(),
  kind: z.string(),
  severity: z.string(),
  emergency: z.boolean(),
  state: z.enum(['open', 'acknowledged', 'resolved']),
  ruleSetVersion: z.string(),
  summary: z.string().nullable(),
  occurrenceCount: z.number().int(),
  openedAt: z.string(),
  lastOccurrenceAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolutionReason: z.string().nullable(),
  patientName: z.string().nullable().describe('The patient’s name as the console shows it'),
  escalation: z
    .object({
      tier: z.number().int(),
      nextAt: z
        .string()
        .nullable()
        .describe('When the next tier is paged unless someone acknowledges (null once escalation stopped)'),
    })
    .nullable(),
});
export type AlertView = z.infer<typeof alertSchema>;
export class AlertDto extends createZodDto(alertSchema) {}
export const alertPageSchema = pageSchema(alertSchema).extend({
  nextAfterId: z.string().nullable().describe('Pass as afterId for the next page; null on the last page'),
});
export class AlertPageDto extends createZodDto(alertPageSchema) {}

export const alertDetailSchema = alertSchema.extend({
  explanation: z.record(z.string(), z.unknown()).describe('Why the rule fired: values, thresholds, context'),
  occurrences: z.array(
    z.object({
      id: z.string(),
      resultId: z.string().nullable(),
      severity: z.string(),
      emergency: z.boolean(),
      occurredAt: z.string(),
      retractedAt: z.string().nullable(),
      explanation: z.record(z.string(), z.unknown()),
    }),
  ),
  deliveryAttempts: z
    .array(
      z.object({
        id: z.string(),
        deliveryId: z.string(),
        tier: z.number().int(),
        channel: z.string(),
        recipient: z.string().nullable().describe('The person messaged (never the address)'),
        attempt: z.number().int(),
        at: z.string(),
        outcome: z.string().describe('sent, transient-failure, permanent-failure or skipped'),
        providerResponse: z.string().nullable(),
      }),
    )
    .describe('Each attempt to deliver each of the alert’s messages, with its outcome'),
  timeline: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      type: z
        .string()
        .describe('opened, occurrence, severity-raised, notification-queued, acknowledged, ...'),
      actorUserId: z.string().nullable(),
      actorName: z.string().nullable().describe('Who did it, by name'),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
});
export type AlertDetailView = z.infer<typeof alertDetailSchema>;
export class AlertDetailDto extends createZodDto(alertDetailSchema) {}

export class AcknowledgementTimesQueryDto extends createZodDto(
  z
    .object({
      days: z.coerce
        .number()
        .int()
        .min(1)
        .max(366)
        .default(30)
        .describe('Alerts opened in the last this many days'),
    })
    .strict(),
) {}

export const acknowledgementTimesSchema = z.object({
  from: z.string().describe('Alerts opened since then'),
  to: z.string(),
  severities: z.array(
    z.object({
      severity: z.enum(['critical', 'warning', 'info']),
      opened: z.number().int(),
      acknowledged: z.number().int().describe('Acknowledged by a person (not resolved without it)'),
      p50Minutes: z.number().nullable().describe('Median time from opening to acknowledgement'),
      p95Minutes: z.number().nullable(),
    }),
  ),
});
export type AcknowledgementTimesView = z.infer<typeof acknowledgementTimesSchema>;
export class AcknowledgementTimesDto extends createZodDto(acknowledgementTimesSchema) {}
