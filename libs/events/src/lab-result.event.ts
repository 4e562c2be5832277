import { z } from 'zod';
import { hdForms } from './hierarchic-designator';

/**
 * `LabResult` v1: one observation of one patient, as a JSON event on `lab.results.v1`
 * (header `content-type: application/vnd.lab-result.v1+json`, key = `<authority>|<patient id>`).
 *
 * It carries what the lab sent, untouched: the processor maps codes and converts units. HL7 v2 ORU^R01
 * messages on the same topic are turned into these events field by field (OBX → one event).
 */
const isoDateTimeWithOffset = z.iso.datetime({ offset: true });

/** The version every event carries in its `schema` field. */
export const LAB_RESULT_SCHEMA = 'lab-result.v1';

/** The media type of a JSON `LabResult` v1 event (its `content-type` message header). */
export const LAB_RESULT_CONTENT_TYPE = 'application/vnd.lab-result.v1+json';

/**
 * The event's field limits: a producer (the HL7 parser, a FHIR mapping) refuses a value that does not fit, with a
 * reason, rather than building an event the processor would dead-letter.
 */
export const LAB_RESULT_LIMITS = {
  /** Patient id, message control id, code, code system, order id. */
  id: 64,
  /** A hierarchic designator written whole (`namespace&universal id&type`): authority, sender. */
  hd: 128,
  subId: 32,
  display: 200,
  unit: 64,
  range: 64,
  flag: 8,
  flags: 8,
  text: 4000,
} as const;

/** The longest hierarchic designator (namespace id, universal id and its type, joined with `&`). */
export const MAX_HD = LAB_RESULT_LIMITS.hd;
const L = LAB_RESULT_LIMITS;

export const labResultEventSchema = z
  .object({
    schema: z.literal(LAB_RESULT_SCHEMA),
    patient: z.object({
      /** PID-3.1 */
      id: z.string().trim().min(1).max(L.id),
      /**
       * PID-3.4, the assigning authority: a patient is matched by id + authority, never by name. An HL7
       * hierarchic designator: `CITYHOSP`, or whole as `namespace&universal id&type` (see `hdForms`).
       */
      authority: z.string().trim().min(1).max(MAX_HD),
    }),
    sender: z.object({
      /** MSH-3 sending application, MSH-4 sending facility: hierarchic designators, as `authority`. */
      application: z.string().trim().min(1).max(MAX_HD),
      facility: z.string().trim().min(1).max(MAX_HD),
    }),
    /** MSH-10. With the sender and the observation identity it makes the idempotency key. */
    messageControlId: z.string().trim().min(1).max(L.id),
    observation: z.object({
      /** OBX-3.1 and OBX-3.3 (`LN` for LOINC, otherwise the lab's local system). */
      code: z.string().trim().min(1).max(L.id),
      system: z.string().trim().min(1).max(L.id),
      display: z.string().max(L.display).optional(),
      /** OBX-4 observation sub-id, when one OBR carries the same code more than once. */
      subId: z.string().max(L.subId).optional(),
      /** Filler (OBR-3) or placer (OBR-2) order number: with the code, the identity a correction refers to. */
      orderId: z.string().max(L.id).optional(),
    }),
    /** OBX-2. */
    valueType: z.enum(['NM', 'SN', 'ST', 'TX', 'CE', 'CWE']),
    /** A number for NM and SN; the code or text otherwise; null when the lab sent none (status not-obtainable). */
    value: z.union([z.number().finite(), z.string().max(L.text), z.null()]),
    /** SN comparator (`<^50` → `<`). */
    comparator: z.enum(['<', '<=', '>', '>=']).optional(),
    /** OBX-6, as sent. */
    unit: z.string().max(L.unit).optional(),
    /** OBX-7, as sent. */
    referenceRange: z.string().max(L.range).optional(),
    /** OBX-8 abnormal flags. */
    flags: z.array(z.string().max(L.flag)).max(L.flags).optional(),
    /** OBX-11: F final, C corrected, P preliminary, X not obtainable, D deleted. */
    status: z.enum(['final', 'corrected', 'preliminary', 'not-obtainable', 'deleted']),
    /** OBX-14 (or OBR-7): when the specimen was taken. */
    observedAt: isoDateTimeWithOffset,
    /** When the lab or gateway received it; defaults to the time the processor reads it. */
    receivedAt: isoDateTimeWithOffset.optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    if (
      (event.valueType === 'NM' || event.valueType === 'SN') &&
      event.value !== null &&
      typeof event.value !== 'number'
    ) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `${event.valueType} value must be a number` });
    }
    if (event.comparator && event.valueType !== 'SN') {
      ctx.addIssue({
        code: 'custom',
        path: ['comparator'],
        message: 'comparator is only allowed with valueType SN',
      });
    }
  });

export type LabResultEvent = z.infer<typeof labResultEventSchema>;

/** The Kafka key: results of one patient stay in order on one partition. */
export function labResultKey(patient: { id: string; authority: string }): string {
  return `${patient.authority}|${patient.id}`;
}

/** The keys an enrolled patient may be registered under: one per form of the authority (see `hdForms`). */
export function patientKeys(patient: { id: string; authority: string }): string[] {
  return hdForms(patient.authority).map((authority) => labResultKey({ id: patient.id, authority }));
}

export type LabResultParse = { ok: true; event: LabResultEvent } | { ok: false; reason: string };

/** Validates a decoded JSON value; never throws. The reason names the first problems found. */
export function parseLabResultEvent(value: unknown): LabResultParse {
  const parsed = labResultEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason: `invalid ${LAB_RESULT_SCHEMA} event: ${reason}` };
}

/**
 * Checks an event built from an HL7 OBX (the parser builds them to the contract; this is the proof) and names the
 * observation in the reason of one that fails: `OBX (777-3^LN): invalid lab-result.v1 event: …`.
 */
export function checkBuiltEvent(event: LabResultEvent): LabResultParse {
  const checked = parseLabResultEvent(event);
  if (checked.ok) return checked;
  return {
    ok: false,
    reason: `OBX (${event.observation.code}^${event.observation.system}): ${checked.reason}`,
  };
}
