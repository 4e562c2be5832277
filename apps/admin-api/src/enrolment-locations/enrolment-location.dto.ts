import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { senderSchema } from '../auth/auth.dto';
import { pageQueryShape, pageSchema } from '../common/pagination';

/** As the processor matches it: the record's location exactly, else the sender's `*` row. */
const location = z
  .string()
  .trim()
  .min(1, 'name the location as the sender codes it, or * for the sender’s other locations')
  .max(64)
  .regex(/^[^\p{Cc}^|~\\&]+$/u, 'a location as sent (PV1-3.1, ORC-17.1, a FHIR Location identifier), or *')
  .describe(
    'Where it was ordered or given, as the sender codes it (PV1-3.1, else ORC-17.1/ORC-21.1; FHIR the ' +
      'Encounter’s location): the record’s own wins over *, the sender’s other locations',
  );
const siteId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:\-^/ ]*$/, 'siteId: letters, digits and . _ : - ^ / only');
const careTeamId = z
  .uuid()
  .nullable()
  .describe(
    'The team a patient is enrolled to; null: nobody is named (the site’s integration team is alerted instead)',
  );
const indication = z
  .enum(['MS', 'CLL'])
  .nullable()
  .describe(
    'The indication for a record that names the ingredient only (Lemtrada is MS and Campath CLL whatever this ' +
      'says); null: such a record enrols nobody and is alerted',
  );

export const createEnrolmentLocationSchema = z
  .object({
    sender: senderSchema,
    location,
    siteId,
    careTeamId: careTeamId.default(null),
    indication: indication.default(null),
  })
  .strict();
export class CreateEnrolmentLocationDto extends createZodDto(createEnrolmentLocationSchema) {}

export const updateEnrolmentLocationSchema = z
  .object({
    siteId: siteId.optional(),
    careTeamId: careTeamId.optional(),
    indication: indication.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export class UpdateEnrolmentLocationDto extends createZodDto(updateEnrolmentLocationSchema) {}

export class EnrolmentLocationIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}
export class EnrolmentLocationQueryDto extends createZodDto(
  z
    .object({
      ...pageQueryShape,
      sender: z.string().trim().min(1).max(200).optional(),
      location: z.string().trim().min(1).max(64).optional(),
      siteId: z.string().trim().min(1).max(64).optional(),
      careTeamId: z.uuid().optional(),
    })
    .strict(),
) {}

export const enrolmentLocationSchema = z.object({
  id: z.string(),
  sender: z.string(),
  location: z.string().describe('* = the sender’s other locations'),
  siteId: z.string(),
  careTeamId: z.string().nullable(),
  indication: z.enum(['MS', 'CLL']).nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string().nullable(),
});
export type EnrolmentLocationView = z.infer<typeof enrolmentLocationSchema>;
export class EnrolmentLocationDto extends createZodDto(enrolmentLocationSchema) {}
export class EnrolmentLocationPageDto extends createZodDto(pageSchema(enrolmentLocationSchema)) {}
