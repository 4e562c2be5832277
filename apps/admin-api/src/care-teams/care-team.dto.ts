import { IANAZone } from 'luxon';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** A site id as sites are created (`POST /sites`); also the `:siteId` of site-scoped routes. */
export const siteId = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'a site id is lower-case letters, digits and dashes');

export const createSiteSchema = z
  .object({
    id: siteId,
    name: z.string().trim().min(1).max(200),
    timeZone: z
      .string()
      .refine((zone) => IANAZone.isValidZone(zone), { message: 'an IANA time zone such as Europe/Prague' })
      .default('UTC')
      .describe('The zone in which the site’s calendar days (infusion days, monthly tests) are counted'),
  })
  .strict();
export class CreateSiteDto extends createZodDto(createSiteSchema) {}

export const siteSchema = z.object({
  id: z.string(),
  name: z.string(),
  timeZone: z.string(),
  createdAt: z.string(),
});
export type SiteView = z.infer<typeof siteSchema>;
export class SiteDto extends createZodDto(siteSchema) {}
export class SiteListDto extends createZodDto(z.object({ items: z.array(siteSchema) })) {}

export const createCareTeamSchema = z.object({ siteId, name: z.string().trim().min(1).max(200) }).strict();
export class CreateCareTeamDto extends createZodDto(createCareTeamSchema) {}
export class UpdateCareTeamDto extends createZodDto(
  z.object({ name: z.string().trim().min(1).max(200) }).strict(),
) {}

export const memberRole = z
  .string()
  .regex(/^[a-z][a-z-]{1,31}$/, 'a role such as physician, nurse, pharmacist, supervisor')
  .describe('The member’s role in the team (routing and escalation read it)');
export class MemberInputDto extends createZodDto(z.object({ role: memberRole }).strict()) {}

export class CareTeamIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}
export class MemberParams extends createZodDto(z.object({ id: z.uuid(), userId: z.uuid() }).strict()) {}
export class CareTeamQueryDto extends createZodDto(z.object({ siteId: siteId.optional() }).strict()) {}

export const memberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: z.string(),
  active: z.boolean(),
});
export const careTeamSchema = z.object({
  id: z.string(),
  siteId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  members: z.array(memberSchema),
});
export type CareTeamView = z.infer<typeof careTeamSchema>;
export class CareTeamDto extends createZodDto(careTeamSchema) {}
export class CareTeamListDto extends createZodDto(z.object({ items: z.array(careTeamSchema) })) {}
