import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { pageQueryShape, pageSchema, timeRangeShape } from '../common/pagination';

const calendarDay = z.iso.date().describe('Calendar day, YYYY-MM-DD');
const code = (what: string, max = 64) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:\-^/ ]*$/, `${what}: letters, digits and . _ : - ^ / only`);

export const identifierSchema = z
  .object({
    authority: code('authority').describe('Assigning authority (PID-3.4), e.g. UNIVERSITY-HOSPITAL'),
    identifier: code('identifier').describe('The identifier (PID-3.1), e.g. an MRN'),
  })
  .strict();

const birthDate = calendarDay.refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), {
  message: 'a birth date between 1900-01-01 and today',
});

export const courseInputSchema = z
  .object({
    courseNumber: z.number().int().min(1).max(20),
    product: z.enum(['lemtrada', 'campath']).default('lemtrada'),
    infusionDays: z
      .array(calendarDay)
      .min(1)
      .max(10)
      .refine((days) => new Set(days).size === days.length, { message: 'infusion days must be distinct' })
      .describe('The days of the course’s infusions'),
  })
  .strict();

export const createPatientSchema = z
  .object({
    siteId: code('siteId'),
    careTeamId: z.uuid(),
    indication: z.enum(['MS', 'CLL']),
    identifiers: z.array(identifierSchema).min(1).max(10),
    displayName: z.string().trim().min(1).max(200).optional(),
    birthDate: birthDate.optional(),
    sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
    courses: z.array(courseInputSchema).max(20).default([]),
  })
  .strict();
export class CreatePatientDto extends createZodDto(createPatientSchema) {}

export const updatePatientSchema = z
  .object({
    careTeamId: z.uuid().optional(),
    indication: z.enum(['MS', 'CLL']).optional(),
    displayName: z.string().trim().min(1).max(200).nullable().optional(),
    birthDate: birthDate.nullable().optional(),
    sex: z.enum(['female', 'male', 'other', 'unknown']).nullable().optional(),
    enrolmentEndedAt: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .describe('End (or null: resume) monitoring'),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export class UpdatePatientDto extends createZodDto(updatePatientSchema) {}

export class AddIdentifierDto extends createZodDto(identifierSchema) {}
export class IdentifierQueryDto extends createZodDto(identifierSchema) {}
export class CreateCourseDto extends createZodDto(courseInputSchema) {}
export const updateCourseSchema = z
  .object({
    product: z.enum(['lemtrada', 'campath']).optional(),
    infusionDays: courseInputSchema.shape.infusionDays.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export class UpdateCourseDto extends createZodDto(updateCourseSchema) {}

/** The clinical flags the rule engine reads (`PATIENT_FLAGS`); flags left out keep their value. */
export const clinicalFlagsInputSchema = z
  .object({
    pregnant: z.boolean().optional().describe('TSH-3: any abnormal thyroid result is critical'),
    knownHaemophilia: z
      .boolean()
      .optional()
      .describe('COAG-2: a low factor VIII is expected, not acquired haemophilia A'),
    bleedingEventRecorded: z
      .boolean()
      .optional()
      .describe('COAG-1: any prolonged aPTT with bleeding is critical'),
    onHeparin: z.boolean().optional().describe('COAG-1: heparin explains an isolated aPTT prolongation'),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'set at least one flag' });
export class ClinicalFlagsInputDto extends createZodDto(clinicalFlagsInputSchema) {}

export class PatientIdParams extends createZodDto(z.object({ id: z.uuid() }).strict()) {}
export class CourseParams extends createZodDto(z.object({ id: z.uuid(), courseId: z.uuid() }).strict()) {}
export class ResultParams extends createZodDto(
  z
    .object({
      id: z.uuid(),
      resultId: z.string().regex(/^[1-9]\d{0,17}$/, 'a result id is a positive integer'),
    })
    .strict(),
) {}

export const patientQuerySchema = z
  .object({
    ...pageQueryShape,
    careTeamId: z.uuid().optional(),
    indication: z.enum(['MS', 'CLL']).optional(),
    enrolled: z.enum(['true', 'false']).optional().describe('true: monitoring; false: enrolment ended'),
    authority: code('authority').optional(),
    identifier: code('identifier').optional().describe('Find by identifier (with or without its authority)'),
  })
  .strict();
export class PatientQueryDto extends createZodDto(patientQuerySchema) {}

export const resultQuerySchema = z
  .object({
    ...pageQueryShape,
    ...timeRangeShape,
    analyte: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
    held: z
      .enum(['true', 'false'])
      .optional()
      .describe('true: held for review by a data-quality rule and not yet released; false: the others'),
  })
  .strict();
export class ResultQueryDto extends createZodDto(resultQuerySchema) {}

export const releaseResultSchema = z
  .object({
    reason: z
      .string()
      .trim()
      .min(3)
      .max(1000)
      .describe('Why the held value may be graded (what the lab confirmed)'),
  })
  .strict();
export class ReleaseResultDto extends createZodDto(releaseResultSchema) {}

export const courseSchema = z.object({
  id: z.string(),
  courseNumber: z.number().int(),
  product: z.string(),
  infusionDays: z.array(z.string()),
  source: z
    .enum(['manual', 'infusion-record'])
    .describe(
      'manual: entered by a person (this API, a seed); infusion-record: planned from the administrations',
    ),
  createdAt: z.string(),
});
export type CourseView = z.infer<typeof courseSchema>;
export class CourseDto extends createZodDto(courseSchema) {}
export class CourseListDto extends createZodDto(z.object({ items: z.array(courseSchema) })) {}

export const courseEventQuerySchema = z
  .object({
    ...pageQueryShape,
    courseNumber: z.coerce
      .number()
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe('The events of this course only'),
  })
  .strict();
export class CourseEventQueryDto extends createZodDto(courseEventQuerySchema) {}

export const courseEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  type: z
    .string()
    .describe(
      'What changed: a course planned, changed or withdrawn from the infusion record, an entered course it ' +
        'replaced (entered-course-replaced), or an anomaly of the plan',
    ),
  courseNumber: z.number().int().nullable(),
  detail: z.record(z.string(), z.unknown()).describe('What the change was (its explanation, days, records)'),
});
export type CourseEventView = z.infer<typeof courseEventSchema>;
export class CourseEventPageDto extends createZodDto(pageSchema(courseEventSchema)) {}

export const clinicalFlagsSchema = z
  .object({
    pregnant: z.boolean(),
    knownHaemophilia: z.boolean(),
    bleedingEventRecorded: z.boolean(),
    onHeparin: z.boolean(),
  })
  .describe('Clinical facts that change how results are graded (a flag never set is false)');
export type ClinicalFlagsView = z.infer<typeof clinicalFlagsSchema>;
export class ClinicalFlagsDto extends createZodDto(clinicalFlagsSchema) {}

export const patientSchema = z.object({
  id: z.string(),
  siteId: z.string(),
  careTeamId: z.string(),
  indication: z.enum(['MS', 'CLL']),
  displayName: z.string().nullable(),
  birthDate: z.string().nullable(),
  sex: z.string().nullable(),
  enrolledAt: z.string(),
  enrolmentEndedAt: z.string().nullable(),
  identifiers: z.array(z.object({ authority: z.string(), identifier: z.string() })),
  clinicalFlags: clinicalFlagsSchema,
});
export type PatientView = z.infer<typeof patientSchema>;
export class PatientPageDto extends createZodDto(pageSchema(patientSchema)) {}
export const patientDetailSchema = patientSchema.extend({ courses: z.array(courseSchema) });
export type PatientDetailView = z.infer<typeof patientDetailSchema>;
export class PatientDetailDto extends createZodDto(patientDetailSchema) {}

export const resultSchema = z.object({
  id: z.string(),
  observedAt: z.string(),
  receivedAt: z.string(),
  sender: z.string(),
  code: z.string(),
  codeSystem: z.string(),
  loinc: z.string().nullable(),
  analyte: z.string().nullable(),
  valueType: z.string(),
  valueOriginal: z.string().nullable(),
  unitOriginal: z.string().nullable(),
  value: z.number().nullable(),
  unit: z.string().nullable(),
  rangeLow: z.number().nullable(),
  rangeHigh: z.number().nullable(),
  abnormalFlags: z.string().nullable(),
  status: z.string(),
  quality: z.string(),
  retractedAt: z.string().nullable(),
  supersededBy: z.string().nullable(),
  reviewHold: z
    .string()
    .nullable()
    .describe(
      'Why a data-quality rule held the value from grading (DD-4: an implausible jump); null: never held',
    ),
  releasedAt: z
    .string()
    .nullable()
    .describe('When a reviewer released the held value; it was then graded once'),
  releasedBy: z.string().nullable().describe('The reviewer who released it (user id)'),
  releaseReason: z.string().nullable(),
});
export type ResultView = z.infer<typeof resultSchema>;
export class ResultPageDto extends createZodDto(pageSchema(resultSchema)) {}

export const resultReleaseSchema = z.object({
  resultId: z.string(),
  releasedAt: z.string(),
  releasedBy: z.string().describe('The reviewer (user id)'),
  decisions: z
    .array(
      z.object({
        ruleId: z.string(),
        severity: z.enum(['info', 'warning', 'critical']),
        emergency: z.boolean(),
        alertId: z.string(),
        alertReference: z.string(),
        change: z
          .enum(['opened', 'occurrence', 'severity-raised'])
          .describe('What the decision did to the patient’s alert of that rule'),
        notificationId: z
          .string()
          .nullable()
          .describe('The outbox row the care team is notified through (null: nobody is paged for it)'),
      }),
    )
    .describe('What grading the released value raised, with the site’s rule set (empty: nothing)'),
});
export type ResultReleaseView = z.infer<typeof resultReleaseSchema>;
export class ResultReleaseDto extends createZodDto(resultReleaseSchema) {}
