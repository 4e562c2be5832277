import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export class ContactPointIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}

export class ConfirmVerificationDto extends createZodDto(
  z
    .object({
      code: z
        .string()
        .trim()
        .regex(/^\d{6}$/, 'the six digits of the test message')
        .describe('The code the test message carried'),
    })
    .strict(),
) {}

export const verificationRequestSchema = z.object({
  verificationId: z.string(),
  contactPointId: z.string(),
  channel: z.enum(['email', 'sms']),
  expiresAt: z.string().describe('The code is good until then'),
});
export type VerificationRequestView = z.infer<typeof verificationRequestSchema>;
export class VerificationRequestDto extends createZodDto(verificationRequestSchema) {}

export const verifiedContactSchema = z.object({
  id: z.string(),
  userId: z.string(),
  channel: z.enum(['email', 'sms']),
  address: z.string(),
  verifiedAt: z.string(),
});
export type VerifiedContactView = z.infer<typeof verifiedContactSchema>;
export class VerifiedContactDto extends createZodDto(verifiedContactSchema) {}
