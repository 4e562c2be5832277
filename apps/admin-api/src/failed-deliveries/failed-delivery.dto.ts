import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { pageQueryShape, pageSchema, timeRangeShape } from '../common/pagination';

export const failedDeliveryQuerySchema = z
  .object({
    ...pageQueryShape,
    ...timeRangeShape,
    channel: z.enum(['email', 'sms']).optional(),
    replayed: z.enum(['true', 'false']).optional().describe('true: replayed already; false: not yet'),
    alertId: z.uuid().optional(),
  })
  .strict();
export class FailedDeliveryQueryDto extends createZodDto(failedDeliveryQuerySchema) {}

export class FailedDeliveryIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}

export const failedDeliverySchema = z.object({
  id: z.string(),
  notificationId: z.string(),
  alertId: z.string(),
  alertReference: z.string(),
  alertState: z.string(),
  tier: z.number().int(),
  userId: z.string().nullable(),
  channel: z.string(),
  address: z.string(),
  state: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  failedAt: z.string().nullable(),
  carried: z.number().int().describe('Other deliveries this (summary) message carried'),
  replayedAt: z.string().nullable(),
  replayedBy: z.string().nullable(),
});
export type FailedDeliveryView = z.infer<typeof failedDeliverySchema>;
export class FailedDeliveryDto extends createZodDto(failedDeliverySchema) {}
export class FailedDeliveryPageDto extends createZodDto(pageSchema(failedDeliverySchema)) {}
