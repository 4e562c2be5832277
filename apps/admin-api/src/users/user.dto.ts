import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PERSON_ROLES } from '@alem/access';

const email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH)
  .describe('Initial or new password (stored only as a scrypt hash)');
const roles = z
  .array(z.enum(PERSON_ROLES))
  .max(PERSON_ROLES.length)
  .refine((r) => new Set(r).size === r.length, { message: 'roles must be distinct' })
  .describe(
    'admin: configuration and enrolment; clinician: own care teams’ patients; auditor: read-only audit',
  );

export const createUserSchema = z
  .object({
    email,
    displayName: z.string().trim().min(1).max(200),
    roles: roles.default([]),
    password: password.optional(),
  })
  .strict();
export class CreateUserDto extends createZodDto(createUserSchema) {}

export const updateUserSchema = z
  .object({
    displayName: z.string().trim().min(1).max(200).optional(),
    roles: roles.optional(),
    active: z.boolean().optional().describe('false: the person can no longer sign in, effective at once'),
    password: password.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export class UpdateUserDto extends createZodDto(updateUserSchema) {}

export class UserIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}
export class ContactPointParams extends createZodDto(
  z.object({ id: z.uuid(), contactPointId: z.uuid() }).strict(),
) {}
export class UserQueryDto extends createZodDto(
  z
    .object({
      role: z.enum(PERSON_ROLES).optional(),
      active: z.enum(['true', 'false']).optional(),
    })
    .strict(),
) {}

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  active: z.boolean(),
  hasPassword: z.boolean(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof userSchema>;
export class UserDto extends createZodDto(userSchema) {}
export const unlockedUserSchema = z.object({
  id: z.string(),
  /** How many client addresses the account was locked out at, or counting failures from. */
  unlockedAddresses: z.number().int(),
});
export type UnlockedUserView = z.infer<typeof unlockedUserSchema>;
export class UnlockedUserDto extends createZodDto(unlockedUserSchema) {}
export class UserListDto extends createZodDto(z.object({ items: z.array(userSchema) })) {}

const smsNumber = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +420601234567');
export const createContactPointSchema = z
  .object({
    channel: z.enum(['email', 'sms']),
    address: z.string().trim().min(3).max(254).describe('An email address, or an E.164 number for SMS'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const check = v.channel === 'email' ? email : smsNumber;
    for (const issue of check.safeParse(v.address).error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: issue.message });
    }
  })
  .transform((v) => ({ ...v, address: v.channel === 'email' ? v.address.toLowerCase() : v.address }));
export class CreateContactPointDto extends createZodDto(createContactPointSchema) {}
export class UpdateContactPointDto extends createZodDto(
  z.object({ address: z.string().trim().min(3).max(254) }).strict(),
) {}

export const contactPointSchema = z.object({
  id: z.string(),
  userId: z.string(),
  channel: z.enum(['email', 'sms']),
  address: z.string(),
  verifiedAt: z.string().nullable().describe('null until the person confirms a test message'),
  createdAt: z.string(),
});
export type ContactPointView = z.infer<typeof contactPointSchema>;
export class ContactPointDto extends createZodDto(contactPointSchema) {}
export class ContactPointListDto extends createZodDto(z.object({ items: z.array(contactPointSchema) })) {}

export const isValidAddress = (channel: 'email' | 'sms', address: string): boolean =>
  channel === 'email' ? email.safeParse(address).success : smsNumber.safeParse(address).success;
