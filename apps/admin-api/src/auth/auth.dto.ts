import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '@alem/access';

export const loginSchema = z
  .object({
    email: z.string().trim().min(3).max(254).describe('The account email'),
    password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  })
  .strict();
export class LoginDto extends createZodDto(loginSchema) {}

export const tokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('Seconds until the token expires'),
  expiresAt: z.string(),
});
export class TokenDto extends createZodDto(tokenSchema) {}

export const meSchema = z.object({
  kind: z.enum(['user', 'api-key']),
  id: z.string(),
  label: z.string(),
  roles: z.array(z.string()),
  careTeamIds: z.array(z.string()).describe('Care teams of a person (whose patients a clinician sees)'),
  session: z
    .object({ expiresAt: z.string(), idleExpiresAt: z.string() })
    .optional()
    .describe('The console session the caller signed in with (absent for bearer tokens and API keys)'),
});
export class MeDto extends createZodDto(meSchema) {}

export const sessionSchema = z.object({
  me: meSchema,
  expiresAt: z.string().describe('The session ends at the latest then'),
  idleExpiresAt: z.string().describe('The session ends then unless it is used before'),
});
export class SessionDto extends createZodDto(sessionSchema) {}

const keyIdParam = z.string().regex(/^[0-9a-f]{16}$/, 'an API key id is 16 hexadecimal characters');
export class ApiKeyIdParams extends createZodDto(z.object({ id: keyIdParam }).strict()) {}

export const senderSchema = z
  .string()
  .trim()
  .min(3)
  .max(200)
  .regex(
    /^[^\s^|]+\^[^\s^|]+$/,
    'write the sender as APPLICATION^FACILITY (MSH-3^MSH-4), e.g. LIS^CENTRAL-LAB',
  );

export const createApiKeySchema = z
  .object({
    sender: senderSchema,
    description: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe('What the key is for (the interface engine, the site)'),
  })
  .strict();
export class CreateApiKeyDto extends createZodDto(createApiKeySchema) {}

export const apiKeySchema = z.object({
  id: z.string(),
  sender: z.string(),
  description: z.string(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export class ApiKeyDto extends createZodDto(apiKeySchema) {}
export class ApiKeyListDto extends createZodDto(z.object({ items: z.array(apiKeySchema) })) {}
export class IssuedApiKeyDto extends createZodDto(
  apiKeySchema.extend({ key: z.string().describe('The whole key. Shown this once; only its hash is kept.') }),
) {}
