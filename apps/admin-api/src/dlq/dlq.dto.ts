import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { pageQueryShape, pageSchema, timeRangeShape } from '../common/pagination';

export const dlqQuerySchema = z
  .object({
    ...pageQueryShape,
    ...timeRangeShape,
    replayed: z.enum(['true', 'false']).optional(),
    sourcePartition: z.coerce.number().int().min(0).max(10_000).optional(),
  })
  .strict();
export class DlqQueryDto extends createZodDto(dlqQuerySchema) {}

export class DlqIdParams extends createZodDto(
  z
    .object({ id: z.string().regex(/^[1-9]\d{0,17}$/, 'a dead-letter record id is a positive integer') })
    .strict(),
) {}

export const dlqRecordSchema = z.object({
  id: z.string(),
  sourceTopic: z.string(),
  sourcePartition: z.number().int(),
  sourceOffset: z.string(),
  contentType: z.string().nullable(),
  reason: z.string(),
  payloadBytes: z.number().int(),
  createdAt: z.string(),
  replayedAt: z.string().nullable(),
  replayedBy: z.string().nullable(),
});
export type DlqRecordView = z.infer<typeof dlqRecordSchema>;
export class DlqRecordDto extends createZodDto(dlqRecordSchema) {}
export class DlqPageDto extends createZodDto(pageSchema(dlqRecordSchema)) {}

export const dlqDetailSchema = dlqRecordSchema.extend({
  messageKey: z.string().nullable().describe('The Kafka key (the patient’s identifier and authority)'),
  payload: z.string().nullable(),
  payloadEncoding: z.enum(['utf8', 'base64']).nullable(),
});
export type DlqDetailView = z.infer<typeof dlqDetailSchema>;
export class DlqDetailDto extends createZodDto(dlqDetailSchema) {}
