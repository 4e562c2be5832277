import { z } from 'zod';
import { LAB_RESULT_LIMITS, MAX_HD } from './lab-result.event';

/**
 * `MedicationAdministration` v1: one administration (or, where a site has nothing better, one dispense or one
 * ordered day) of a medication to one patient, as a JSON event on `medication.administrations.v1`
 * (header `content-type: application/vnd.medication-administration.v1+json`, key = `<authority>|<patient id>`,
 * the key of the patient's results, so one patient's administrations stay in order on one partition).
 *
 * The ingest gateway builds them from HL7 v2 `RAS^O17` (RXA), `RDS^O13` (RXD), `RDE^O11` (RXE + TQ1) and FHIR R4
 * `MedicationAdministration`. It carries what the sender said, untouched: whether the medication is alemtuzumab
 * (an RxNorm code, or a local code mapped as data) is decided by the consumer, which plans the treatment courses
 * (`planCourses`, libs/clinical/src/courses).
 */
const isoDateTimeWithOffset = z.iso.datetime({ offset: true });
const calendarDay = z.iso.date();

export const MEDICATION_ADMINISTRATION_SCHEMA = 'medication-administration.v1';

export const MEDICATION_ADMINISTRATION_CONTENT_TYPE = 'application/vnd.medication-administration.v1+json';

/** RxNorm, however the sender wrote its system (HL7 `RXNORM`, FHIR `http://www.nlm.nih.gov/research/umls/rxnorm`). */
export const RXNORM_SYSTEM = 'RXNORM';

/** How sure the record is that the drug went into the patient. */
export const ADMINISTRATION_EVIDENCE = ['administered', 'dispensed', 'ordered'] as const;
export type AdministrationEvidence = (typeof ADMINISTRATION_EVIDENCE)[number];

const L = LAB_RESULT_LIMITS;

export const medicationAdministrationEventSchema = z
  .object({
    schema: z.literal(MEDICATION_ADMINISTRATION_SCHEMA),
    /** PID-3 / `MedicationAdministration.subject` → Patient.identifier: id + assigning authority (hierarchic designator). */
    patient: z.object({
      id: z.string().trim().min(1).max(L.id),
      authority: z.string().trim().min(1).max(MAX_HD),
    }),
    /** MSH-3 / MSH-4, or the API key's registered sender for FHIR. */
    sender: z.object({
      application: z.string().trim().min(1).max(MAX_HD),
      facility: z.string().trim().min(1).max(MAX_HD),
    }),
    /** MSH-10; for FHIR `<resource id>/_history/<version>` or the identifier. Part of the idempotency key. */
    messageControlId: z.string().trim().min(1).max(L.id),
    administration: z.object({
      /**
       * The sender's identity of this administration, the same across its corrections and cancellation: HL7
       * `<ORC-3 or ORC-2>|<RXA-1>|<RXA-2>` (or the dispense / ordered day), FHIR the identifier or resource id.
       */
      id: z.string().trim().min(1).max(L.hd),
      /** `given`; `entered-in-error` (RXA-21 D, FHIR entered-in-error); `cancelled` (ORC-1 CA/DC, RXA-20 NA/RE, FHIR not-done/stopped). */
      status: z.enum(['given', 'entered-in-error', 'cancelled']),
      evidence: z.enum(ADMINISTRATION_EVIDENCE),
      /** The calendar day given, when the sender wrote a date without a time (HL7 `YYYYMMDD`). */
      day: calendarDay.optional(),
      /** The instant given (RXA-3, effectiveDateTime, effectivePeriod.start), with its offset. */
      at: isoDateTimeWithOffset.optional(),
      /** The dose in mg, when the sender gave one in mg (or g / µg, converted). */
      doseMg: z.number().finite().nonnegative().optional(),
      /** RXA-5 / RXD-2 / RXE-2 / Medication.code: the first coding, system normalised (`RXNORM_SYSTEM`). */
      medication: z.object({
        code: z.string().trim().min(1).max(L.id),
        system: z.string().trim().min(1).max(L.hd),
        display: z.string().max(L.display).optional(),
      }),
    }),
    /**
     * Where it was ordered or given, as the sender codes it (PV1-3.1 point of care, else ORC-17.1 entering
     * organisation / ORC-21.1; FHIR the Encounter's location or service provider, or a performer organisation's
     * identifier). The site's mapping turns it into a care team for enrolment on first administration.
     */
    location: z.string().trim().min(1).max(L.id).optional(),
    /** When the sender recorded this version (MSH-7, meta.lastUpdated): the later of two disagreeing records wins. */
    recordedAt: isoDateTimeWithOffset.optional(),
    /** When the ingest gateway received it. */
    receivedAt: isoDateTimeWithOffset.optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    const { status, day, at } = event.administration;
    if (status === 'given' && day === undefined && at === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['administration', 'at'],
        message: 'a given administration needs a day or an instant',
      });
    }
  });

export type MedicationAdministrationEvent = z.infer<typeof medicationAdministrationEventSchema>;

export type MedicationAdministrationParse =
  { ok: true; event: MedicationAdministrationEvent } | { ok: false; reason: string };

/** Validates a decoded JSON value; never throws. The reason names the first problems found. */
export function parseMedicationAdministrationEvent(value: unknown): MedicationAdministrationParse {
  const parsed = medicationAdministrationEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason: `invalid ${MEDICATION_ADMINISTRATION_SCHEMA} event: ${reason}` };
}
