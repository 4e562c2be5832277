import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { pageQueryShape, pageSchema, timeRangeShape } from '../common/pagination';

export const notificationQuerySchema = z
  .object({
    ...pageQueryShape,
    ...timeRangeShape,
    alertId: z.uuid().optional(),
    state: z.enum(['pending', 'queued', 'dispatched', 'cancelled']).optional(),
    severity: z.enum(['info', 'warning', 'critical']).optional(),
  })
  .strict();
export class NotificationQueryDto extends createZodDto(notificationQuerySchema) {}

export const attemptQuerySchema = z
  .object({
    ...pageQueryShape,
    ...timeRangeShape,
    alertId: z.uuid().optional(),
    notificationId: z.uuid().optional(),
    userId: z.uuid().optional(),
    outcome: z.enum(['sent', 'transient-failure', 'permanent-failure', 'skipped']).optional(),
    channel: z.enum(['email', 'sms']).optional(),
  })
  .strict();
export class AttemptQueryDto extends createZodDto(attemptQuerySchema) {}

export class NotificationIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}

export const notificationSchema = z.object({
  id: z.string(),
  alertId: z.string(),
  alertReference: z.string(),
  reason: z.string(),
  severity: z.string(),
  tier: z.number().int(),
  state: z.string(),
  createdAt: z.string(),
  availableAt: z.string(),
  queuedAt: z.string().nullable(),
  dispatchedAt: z.string().nullable(),
  deliveryCount: z.number().int(),
});
export type NotificationView = z.infer<typeof notificationSchema>;
export class NotificationPageDto extends createZodDto(pageSchema(notificationSchema)) {}

export const attemptSchema = z.object({
  id: z.string(),
  deliveryId: z.string(),
  notificationId: z.string(),
  alertId: z.string(),
  alertReference: z.string(),
  userId: z.string().nullable(),
  channel: z.string(),
  address: z.string(),
  attempt: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: z.string(),
  providerResponse: z.string().nullable(),
  providerMessageId: z.string().nullable(),
});
export type AttemptView = z.infer<typeof attemptSchema>;
export class AttemptPageDto extends createZodDto(pageSchema(attemptSchema)) {}

export const notificationDetailSchema = notificationSchema.extend({
  deliveries: z.array(
    z.object({
      id: z.string(),
      userId: z.string().nullable(),
      contactPointId: z.string().nullable(),
      channel: z.string(),
      address: z.string(),
      state: z.string(),
      attempts: z.number().int(),
      createdAt: z.string(),
      queuedAt: z.string().nullable(),
      sentAt: z.string().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
  attempts: z.array(attemptSchema),
});
export type NotificationDetailView = z.infer<typeof notificationDetailSchema>;
export class NotificationDetailDto extends createZodDto(notificationDetailSchema) {}
