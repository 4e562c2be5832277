import { IANAZone } from 'luxon';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { senderSchema } from '../auth/auth.dto';
import { DEFAULT_JSON_PAGE, pageQueryShape, pageSchema } from '../common/pagination';

const timeZone = z
  .string()
  .trim()
  .max(64)
  .refine((name) => IANAZone.isValidZone(name), 'not an IANA time zone (such as Europe/London or UTC)')
  .describe('IANA zone of the times the sender’s messages send without an offset, e.g. Europe/London');

export class LabSenderParams extends createZodDto(
  z
    .object({
      sender: senderSchema.describe('APPLICATION^FACILITY, URL-encoded in the path (LIS%5ECENTRAL-LAB)'),
    })
    .strict(),
) {}

export const labSenderInputSchema = z.object({ timeZone }).strict();
export class LabSenderInputDto extends createZodDto(labSenderInputSchema) {}

export class LabSenderQueryDto extends createZodDto(
  z
    .object({
      limit: pageQueryShape.limit.describe(`Page size (default ${DEFAULT_JSON_PAGE})`),
      offset: pageQueryShape.offset,
    })
    .strict(),
) {}

export const labSenderSchema = z.object({
  sender: z.string().describe('APPLICATION^FACILITY (MSH-3^MSH-4)'),
  timeZone: z.string(),
  createdAt: z.string(),
  updatedAt: z.string().nullable().describe('Null until the registration was first changed'),
});
export type LabSenderView = z.infer<typeof labSenderSchema>;
export class LabSenderDto extends createZodDto(labSenderSchema) {}
export class LabSenderPageDto extends createZodDto(pageSchema(labSenderSchema)) {}
