import { z } from 'zod';

/**
 * The FHIR R4 elements the intake reads, as zod schemas with R4's primitive rules (`code`, `id`, `uri`,
 * `dateTime`, `instant`, `decimal`) and the Observation invariants that matter here. A resource is checked on
 * what it holds of these; elements the intake does not read are not checked beyond their JSON shape (a full
 * StructureDefinition validation needs the R4 definitions, which this lib does not carry).
 */

const fhirString = z.string().min(1, 'a FHIR string is never empty');
const code = z
  .string()
  .regex(/^[^\s]+( [^\s]+)*$/, 'not a FHIR code (no leading, trailing or double spaces)');
const uri = z.string().regex(/^\S+$/, 'not a FHIR uri');
const id = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id');
/** R4 dateTime: a year, year-month, date, or date and time (seconds and an offset required with a time). */
export const FHIR_DATE_TIME =
  /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
const dateTime = z.string().regex(FHIR_DATE_TIME, 'not a FHIR dateTime');
const instant = z
  .string()
  .regex(
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/,
    'not a FHIR instant',
  );
const decimal = z.number().finite();

/** A code of a closed value set: "required" when absent, the codes when another is sent. */
const oneOf = <const T extends readonly [string, ...string[]]>(codes: T) =>
  z.enum(codes, {
    error: (issue) => (issue.input === undefined ? 'required: ' : 'not one of ') + codes.join(', '),
  });

export const codingSchema = z.looseObject({
  system: uri.optional(),
  version: fhirString.optional(),
  code: code.optional(),
  display: fhirString.optional(),
  userSelected: z.boolean().optional(),
});

export const codeableConceptSchema = z.looseObject({
  coding: z.array(codingSchema).optional(),
  text: fhirString.optional(),
});

export const identifierSchema = z.looseObject({
  use: z.enum(['usual', 'official', 'temp', 'secondary', 'old']).optional(),
  type: codeableConceptSchema.optional(),
  system: uri.optional(),
  value: fhirString.optional(),
});

export const referenceSchema = z.looseObject({
  reference: fhirString.optional(),
  type: uri.optional(),
  identifier: identifierSchema.optional(),
  display: fhirString.optional(),
});

export const quantitySchema = z.looseObject({
  value: decimal.optional(),
  comparator: z.enum(['<', '<=', '>=', '>']).optional(),
  unit: fhirString.optional(),
  system: uri.optional(),
  code: code.optional(),
});

const periodSchema = z.looseObject({ start: dateTime.optional(), end: dateTime.optional() });

const metaSchema = z.looseObject({ versionId: id.optional(), lastUpdated: instant.optional() });

/** Any resource: contained ones and bundle entries the intake does not read are held to this only. */
const anyResourceSchema = z.looseObject({
  resourceType: z.string().regex(/^[A-Z][A-Za-z]+$/),
  id: id.optional(),
});

export const OBSERVATION_STATUSES = [
  'registered',
  'preliminary',
  'final',
  'amended',
  'corrected',
  'cancelled',
  'entered-in-error',
  'unknown',
] as const;

/** The value[x] choices of an R4 Observation. */
export const OBSERVATION_VALUES = [
  'valueQuantity',
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
] as const;

const EFFECTIVE = ['effectiveDateTime', 'effectivePeriod', 'effectiveTiming', 'effectiveInstant'] as const;

/** Every element of an R4 Observation: anything else (but `_element` primitive extensions) is not R4. */
const OBSERVATION_ELEMENTS = new Set<string>([
  'resourceType',
  'id',
  'meta',
  'implicitRules',
  'language',
  'text',
  'contained',
  'extension',
  'modifierExtension',
  'identifier',
  'basedOn',
  'partOf',
  'status',
  'category',
  'code',
  'subject',
  'focus',
  'encounter',
  ...EFFECTIVE,
  'issued',
  'performer',
  ...OBSERVATION_VALUES,
  'dataAbsentReason',
  'interpretation',
  'note',
  'bodySite',
  'method',
  'specimen',
  'device',
  'referenceRange',
  'hasMember',
  'derivedFrom',
  'component',
]);

export const patientSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  id: id.optional(),
  identifier: z.array(identifierSchema).optional(),
});

export const specimenSchema = z.looseObject({
  resourceType: z.literal('Specimen'),
  id: id.optional(),
  accessionIdentifier: identifierSchema.optional(),
  collection: z
    .looseObject({ collectedDateTime: dateTime.optional(), collectedPeriod: periodSchema.optional() })
    .optional(),
});

export const serviceRequestSchema = z.looseObject({
  resourceType: z.literal('ServiceRequest'),
  id: id.optional(),
  identifier: z.array(identifierSchema).optional(),
});

/** A contained resource: the ones the intake reads (Patient, Specimen, ServiceRequest) in full, others as any. */
const containedSchema = z.unknown().superRefine((value, ctx) => {
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  const schema =
    type === 'Patient'
      ? patientSchema
      : type === 'Specimen'
        ? specimenSchema
        : type === 'ServiceRequest'
          ? serviceRequestSchema
          : anyResourceSchema;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  }
});

export const observationSchema = z
  .object({
    resourceType: z.literal('Observation'),
    id: id.optional(),
    meta: metaSchema.optional(),
    contained: z.array(containedSchema).optional(),
    modifierExtension: z.array(z.unknown()).optional(),
    identifier: z.array(identifierSchema).optional(),
    basedOn: z.array(referenceSchema).optional(),
    status: oneOf(OBSERVATION_STATUSES),
    category: z.array(codeableConceptSchema).optional(),
    code: codeableConceptSchema,
    subject: referenceSchema.optional(),
    effectiveDateTime: dateTime.optional(),
    effectivePeriod: periodSchema.optional(),
    effectiveTiming: z.unknown().optional(),
    effectiveInstant: instant.optional(),
    issued: instant.optional(),
    valueQuantity: quantitySchema.optional(),
    valueCodeableConcept: codeableConceptSchema.optional(),
    valueString: fhirString.optional(),
    valueBoolean: z.boolean().optional(),
    valueInteger: z.number().int().optional(),
    valueRange: z.unknown().optional(),
    valueRatio: z.unknown().optional(),
    valueSampledData: z.unknown().optional(),
    valueTime: z.unknown().optional(),
    valueDateTime: dateTime.optional(),
    valuePeriod: periodSchema.optional(),
    dataAbsentReason: codeableConceptSchema.optional(),
    interpretation: z.array(codeableConceptSchema).optional(),
    referenceRange: z
      .array(
        z.looseObject({
          low: quantitySchema.optional(),
          high: quantitySchema.optional(),
          type: codeableConceptSchema.optional(),
          text: fhirString.optional(),
        }),
      )
      .optional(),
    specimen: referenceSchema.optional(),
    hasMember: z.array(referenceSchema).optional(),
    component: z.array(z.unknown()).optional(),
  })
  .catchall(z.unknown())
  .superRefine((observation, ctx) => {
    for (const key of Object.keys(observation)) {
      if (!OBSERVATION_ELEMENTS.has(key) && !key.startsWith('_')) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'not an element of an R4 Observation' });
      }
    }
    const values = OBSERVATION_VALUES.filter((key) => observation[key] !== undefined);
    if (values.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [values[1]!],
        message: 'an Observation has one value[x] at most',
      });
    }
    const effective = EFFECTIVE.filter((key) => observation[key] !== undefined);
    if (effective.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [effective[1]!],
        message: 'an Observation has one effective[x] at most',
      });
    }
    // obs-6: dataAbsentReason SHALL only be present if Observation.value[x] is not present.
    if (values.length > 0 && observation.dataAbsentReason !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['dataAbsentReason'],
        message: 'obs-6: dataAbsentReason only when there is no value[x]',
      });
    }
  });

export const medicationSchema = z.looseObject({
  resourceType: z.literal('Medication'),
  id: id.optional(),
  code: codeableConceptSchema.optional(),
});

export const encounterSchema = z.looseObject({
  resourceType: z.literal('Encounter'),
  id: id.optional(),
  location: z.array(z.looseObject({ location: referenceSchema })).optional(),
  serviceProvider: referenceSchema.optional(),
});

export const organizationSchema = z.looseObject({
  resourceType: z.literal('Organization'),
  id: id.optional(),
  identifier: z.array(identifierSchema).optional(),
  name: fhirString.optional(),
});

export const locationSchema = z.looseObject({
  resourceType: z.literal('Location'),
  id: id.optional(),
  identifier: z.array(identifierSchema).optional(),
  name: fhirString.optional(),
});

/** R4 MedicationAdministration.status (required binding). */
export const MEDICATION_ADMINISTRATION_STATUSES = [
  'in-progress',
  'not-done',
  'on-hold',
  'completed',
  'entered-in-error',
  'stopped',
  'unknown',
] as const;

/**
 * Every element of an R4 MedicationAdministration, and the two DSTU2 names senders still use for R4's `subject`
 * and `context` (`patient`, `encounter`), which are read as those.
 */
const MEDICATION_ADMINISTRATION_ELEMENTS = new Set<string>([
  'resourceType',
  'id',
  'meta',
  'implicitRules',
  'language',
  'text',
  'contained',
  'extension',
  'modifierExtension',
  'identifier',
  'instantiates',
  'partOf',
  'status',
  'statusReason',
  'category',
  'medicationCodeableConcept',
  'medicationReference',
  'subject',
  'patient',
  'context',
  'encounter',
  'supportingInformation',
  'effectiveDateTime',
  'effectivePeriod',
  'performer',
  'reasonCode',
  'reasonReference',
  'request',
  'device',
  'note',
  'dosage',
  'eventHistory',
]);

/** A contained resource of a MedicationAdministration: the ones read (Medication, Patient, Encounter...) in full. */
const administrationContainedSchema = z.unknown().superRefine((value, ctx) => {
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  const schema =
    typeof type === 'string' && type in administrationResourceSchemas
      ? administrationResourceSchemas[type as keyof typeof administrationResourceSchemas]
      : anyResourceSchema;
  const parsed = (schema as z.ZodType).safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  }
});

export const medicationAdministrationSchema = z
  .object({
    resourceType: z.literal('MedicationAdministration'),
    id: id.optional(),
    meta: metaSchema.optional(),
    contained: z.array(administrationContainedSchema).optional(),
    modifierExtension: z.array(z.unknown()).optional(),
    identifier: z.array(identifierSchema).optional(),
    status: oneOf(MEDICATION_ADMINISTRATION_STATUSES),
    medicationCodeableConcept: codeableConceptSchema.optional(),
    medicationReference: referenceSchema.optional(),
    subject: referenceSchema.optional(),
    patient: referenceSchema.optional(),
    context: referenceSchema.optional(),
    encounter: referenceSchema.optional(),
    effectiveDateTime: dateTime.optional(),
    effectivePeriod: periodSchema.optional(),
    performer: z.array(z.looseObject({ actor: referenceSchema })).optional(),
    dosage: z.looseObject({ dose: quantitySchema.optional() }).optional(),
  })
  .catchall(z.unknown())
  .superRefine((administration, ctx) => {
    for (const key of Object.keys(administration)) {
      if (!MEDICATION_ADMINISTRATION_ELEMENTS.has(key) && !key.startsWith('_')) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'not an element of an R4 MedicationAdministration',
        });
      }
    }
    const pairs: Array<[string, string, string]> = [
      ['medicationCodeableConcept', 'medicationReference', 'medication[x]'],
      ['effectiveDateTime', 'effectivePeriod', 'effective[x]'],
      ['subject', 'patient', 'subject'],
      ['context', 'encounter', 'context'],
    ];
    for (const [first, second, name] of pairs) {
      const a = administration[first as keyof typeof administration];
      const b = administration[second as keyof typeof administration];
      if (a !== undefined && b !== undefined) {
        ctx.addIssue({ code: 'custom', path: [second], message: `one ${name} at most` });
      } else if (a === undefined && b === undefined && name !== 'context') {
        ctx.addIssue({ code: 'custom', path: [first], message: `required: ${name} (1..1 in R4)` });
      }
    }
  });

export type FhirMedicationAdministration = z.infer<typeof medicationAdministrationSchema>;
export type FhirMedication = z.infer<typeof medicationSchema>;
export type FhirEncounter = z.infer<typeof encounterSchema>;
export type FhirOrganization = z.infer<typeof organizationSchema>;
export type FhirLocation = z.infer<typeof locationSchema>;
export type FhirQuantity = z.infer<typeof quantitySchema>;

export type FhirObservation = z.infer<typeof observationSchema>;
export type FhirPatient = z.infer<typeof patientSchema>;
export type FhirSpecimen = z.infer<typeof specimenSchema>;
export type FhirServiceRequest = z.infer<typeof serviceRequestSchema>;
export type FhirIdentifier = z.infer<typeof identifierSchema>;
export type FhirReference = z.infer<typeof referenceSchema>;
export type FhirCodeableConcept = z.infer<typeof codeableConceptSchema>;

export const BUNDLE_TYPES = [
  'document',
  'message',
  'transaction',
  'transaction-response',
  'batch',
  'batch-response',
  'history',
  'searchset',
  'collection',
] as const;

/** A Bundle's frame; its entries' resources are read one by one (`readResource`). */
export const bundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  id: id.optional(),
  type: oneOf(BUNDLE_TYPES),
  entry: z
    .array(
      z.looseObject({
        fullUrl: uri.optional(),
        resource: z.unknown().optional(),
        request: z.looseObject({ method: z.string(), url: uri }).optional(),
      }),
    )
    .optional(),
});

export const resourceSchemas = {
  Observation: observationSchema,
  Patient: patientSchema,
  Specimen: specimenSchema,
  ServiceRequest: serviceRequestSchema,
} as const;

/** What the MedicationAdministration reader checks in full, in a Bundle or contained; others as any resource. */
export const administrationResourceSchemas = {
  MedicationAdministration: medicationAdministrationSchema,
  Medication: medicationSchema,
  Patient: patientSchema,
  Encounter: encounterSchema,
  Organization: organizationSchema,
  Location: locationSchema,
} as const;

export { anyResourceSchema };
