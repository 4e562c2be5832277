import { RXNORM_SYSTEM } from '@alem/events';
import { RXNORM_URI } from '@alem/fhir';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { pageQueryShape, pageSchema } from '../common/pagination';

export const MEDICATION_PRODUCTS = ['lemtrada', 'campath', 'alemtuzumab'] as const;
export type MedicationProduct = (typeof MEDICATION_PRODUCTS)[number];

/** `*` (every sender: RxNorm and other shared code systems) or one sender, as the code mappings name it. */
const sender = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(
    /^(\*|[^\s^|]+\^[^\s^|]+)$/,
    'write the sender as APPLICATION^FACILITY (MSH-3^MSH-4), e.g. PHARM^CITY-HOSPITAL, or * for every sender',
  );

/**
 * The system as the processor looks it up: HL7's RXNORM/RxNorm/RXN and FHIR's RxNorm URI are stored as
 * `RXNORM` (how the pharmacy parser and the FHIR decoder write RxNorm); any other system as the sender writes it
 * (an HL7 coding system such as 99PHARM or L, or a FHIR system URI).
 */
const codeSystem = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(
    /^[^\s^|~\\&]+$/,
    'a coding system as sent (RXNORM, 99PHARM, L, or a FHIR system URI), without spaces',
  )
  .transform((system) => (/^(RXNORM|RXN)$/i.test(system) || system === RXNORM_URI ? RXNORM_SYSTEM : system));
const code = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\s^|~\\&]+$/, 'a medication code as sent (RXA-5.1, Medication.code), without spaces');
const product = z
  .enum(MEDICATION_PRODUCTS)
  .describe(
    'lemtrada (MS) or campath (CLL); alemtuzumab: the ingredient, the product following the patient’s indication',
  );
const description = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('What the code is, as a person reads it (e.g. "RxNorm SBD Lemtrada 12 MG/1.2ML")');

export const createMedicationCodeMappingSchema = z
  .object({ sender, codeSystem, code, product, description })
  .strict();
export class CreateMedicationCodeMappingDto extends createZodDto(createMedicationCodeMappingSchema) {}

export const updateMedicationCodeMappingSchema = z
  .object({ product: product.optional(), description: description.optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export class UpdateMedicationCodeMappingDto extends createZodDto(updateMedicationCodeMappingSchema) {}

export class MedicationCodeMappingIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}
export class MedicationCodeMappingQueryDto extends createZodDto(
  z
    .object({
      ...pageQueryShape,
      sender: z.string().trim().min(1).max(200).optional(),
      codeSystem: z.string().trim().min(1).max(128).optional(),
      code: z.string().trim().min(1).max(64).optional(),
      product: z.enum(MEDICATION_PRODUCTS).optional(),
    })
    .strict(),
) {}

export const medicationCodeMappingSchema = z.object({
  id: z.string(),
  sender: z.string().describe('APPLICATION^FACILITY, or * for every sender'),
  codeSystem: z.string(),
  code: z.string(),
  product: z.enum(MEDICATION_PRODUCTS),
  description: z.string(),
  createdBy: z.string().nullable().describe('null: shipped with the installation (the RxNorm rows)'),
  createdAt: z.string(),
  updatedAt: z.string().nullable(),
});
export type MedicationCodeMappingView = z.infer<typeof medicationCodeMappingSchema>;
export class MedicationCodeMappingDto extends createZodDto(medicationCodeMappingSchema) {}
export class MedicationCodeMappingPageDto extends createZodDto(pageSchema(medicationCodeMappingSchema)) {}
