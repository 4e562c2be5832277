import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ACKNOWLEDGEMENT_TOKEN_PATTERN } from '@alem/notifications';

export class AcknowledgementTokenParams extends createZodDto(
  z
    .object({
      token: z
        .string()
        .regex(ACKNOWLEDGEMENT_TOKEN_PATTERN, 'an acknowledgement link token')
        .describe('The token of the link in an alert message'),
    })
    .strict(),
) {}

export class AcknowledgeByLinkDto extends createZodDto(
  z
    .object({ note: z.string().trim().max(1000).optional().describe('What was done or will be done') })
    .strict(),
) {}

const resultSchema = z.object({
  analyte: z.string().nullable(),
  test: z.string().nullable().describe('The test’s name'),
  loinc: z.string().nullable(),
  value: z.union([z.number(), z.string()]).nullable(),
  unit: z.string().nullable(),
  referenceRange: z.object({ low: z.number().nullable(), high: z.number().nullable() }).nullable(),
  observedAt: z.string().nullable(),
});

export const readBackSchema = z.object({
  alert: z.object({
    id: z.string(),
    reference: z.string(),
    kind: z.string(),
    ruleId: z.string(),
    severity: z.string(),
    emergency: z.boolean(),
    state: z.string(),
    title: z.string(),
    summary: z.string(),
    action: z.string(),
    openedAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
  }),
  patient: z
    .object({
      id: z.string(),
      displayName: z.string().nullable(),
      birthDate: z.string().nullable(),
      identifiers: z.array(z.object({ authority: z.string(), identifier: z.string() })),
    })
    .nullable()
    .describe('Who the alert is about (null for an alert without a patient)'),
  results: z.array(resultSchema).describe('The test(s) and value(s) the alert is about'),
  explanation: z
    .record(z.string(), z.unknown())
    .describe(
      'Why the rule fired: values, baseline, previous value, thresholds, days since the last infusion',
    ),
  trend: z
    .object({
      analyte: z.string(),
      test: z.string().nullable(),
      unit: z.string().nullable(),
      points: z.array(
        z.object({
          observedAt: z.string(),
          value: z.number(),
          comparator: z.string().nullable().describe('A censored value (<, >, <=, >=)'),
        }),
      ),
      infusionDates: z.array(z.string()).describe('Infusion days of the patient’s courses (YYYY-MM-DD)'),
      thresholds: z
        .record(z.string(), z.number())
        .describe('The rule’s thresholds in effect, in the unit of the points'),
    })
    .nullable()
    .describe('The alert’s analyte over the 12 months before now (null without a patient or an analyte)'),
  link: z.object({
    deliveryId: z.string(),
    notificationId: z.string(),
    channel: z.string(),
    tier: z.number().int(),
    recipientUserId: z.string().nullable(),
    expiresAt: z.string(),
    usedAt: z.string().nullable(),
    usable: z.boolean().describe('False once used, or when the alert is no longer open'),
  }),
});
export type ReadBackView = z.infer<typeof readBackSchema>;
export class ReadBackDto extends createZodDto(readBackSchema) {}

export const acknowledgementSchema = z.object({
  acknowledgementId: z.string(),
  alertId: z.string(),
  reference: z.string(),
  state: z.string(),
  acknowledgedAt: z.string(),
  acknowledgedBy: z.string(),
  via: z.enum(['link', 'api']),
  deliveryId: z.string().nullable(),
  notificationId: z.string().nullable(),
});
export type AcknowledgementView = z.infer<typeof acknowledgementSchema>;
export class AcknowledgementDto extends createZodDto(acknowledgementSchema) {}
