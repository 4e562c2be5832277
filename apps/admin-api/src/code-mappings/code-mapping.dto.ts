import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { senderSchema } from '../auth/auth.dto';
import { pageQueryShape, pageSchema } from '../common/pagination';

const codeSystem = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/,
    'a coding system as the lab sends it in OBX-3.3 (99CITY, L, LN)',
  );
const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'a local code: letters, digits and . _ : / -');
const loinc = z.string().regex(/^\d{1,7}-\d$/, 'a LOINC code such as 777-3');
const analyte = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an analyte id of the catalogue, e.g. platelets');
const unit = z.string().trim().min(1).max(32).describe('Unit to assume when the lab sends none');

export const createCodeMappingSchema = z
  .object({
    sender: senderSchema,
    codeSystem,
    code,
    loinc: loinc.nullable().default(null),
    analyte: analyte.nullable().default(null).describe('Only for catalogue analytes without a LOINC code'),
    unit: unit.nullable().default(null),
  })
  .strict()
  .refine((v) => v.loinc !== null || v.analyte !== null, { message: 'give a LOINC code or an analyte' });
export class CreateCodeMappingDto extends createZodDto(createCodeMappingSchema) {}

export const updateCodeMappingSchema = z
  .object({
    loinc: loinc.nullable().optional(),
    analyte: analyte.nullable().optional(),
    unit: unit.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export class UpdateCodeMappingDto extends createZodDto(updateCodeMappingSchema) {}

export class CodeMappingIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}
export class CodeMappingQueryDto extends createZodDto(
  z
    .object({
      ...pageQueryShape,
      sender: z.string().trim().min(1).max(200).optional(),
      codeSystem: z.string().trim().min(1).max(32).optional(),
      code: z.string().trim().min(1).max(64).optional(),
      loinc: z.string().trim().min(1).max(16).optional(),
    })
    .strict(),
) {}

export const codeMappingSchema = z.object({
  id: z.string(),
  sender: z.string(),
  codeSystem: z.string(),
  code: z.string(),
  loinc: z.string().nullable(),
  analyte: z.string().nullable(),
  unit: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string().nullable(),
});
export type CodeMappingView = z.infer<typeof codeMappingSchema>;
export class CodeMappingDto extends createZodDto(codeMappingSchema) {}
export class CodeMappingPageDto extends createZodDto(pageSchema(codeMappingSchema)) {}
