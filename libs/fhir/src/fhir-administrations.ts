import { createHash } from 'node:crypto';
import {
  LAB_RESULT_LIMITS,
  MEDICATION_ADMINISTRATION_SCHEMA,
  type MedicationAdministrationEvent,
  parseMedicationAdministrationEvent,
  RXNORM_SYSTEM,
} from '@alem/events';
import { type MedicationAdministration } from '@medplum/fhirtypes';
import { type z } from 'zod';
import {
  containedIndex,
  inBundle,
  type Indexed,
  patientOf,
  type Resolve,
  resolveAs,
  zodIssues,
} from './fhir-references';
import { type FhirIssue, type FhirIssueType, type FhirSkip, UCUM_SYSTEM } from './fhir-results';
import {
  administrationResourceSchemas,
  anyResourceSchema,
  bundleSchema,
  type FhirCodeableConcept,
  type FhirEncounter,
  type FhirIdentifier,
  type FhirLocation,
  type FhirMedication,
  type FhirMedicationAdministration,
  type FhirOrganization,
  type FhirQuantity,
  type FhirReference,
  medicationAdministrationSchema,
} from './fhir-schema';

/**
 * FHIR R4 `MedicationAdministration` → `medication-administration.v1` events (issue 18), as `readFhirResults`
 * reads Observations: pure, never throws, all or nothing (400 for a body that is not R4 in the elements read,
 * 422 for R4 that cannot be taken, each issue at the element it concerns).
 */
export interface FhirAdministration {
  /** `MedicationAdministration`, `Bundle.entry[2].resource`. */
  expression: string;
  event: MedicationAdministrationEvent;
}

export type FhirAdministrationRead =
  | { ok: true; administrations: FhirAdministration[]; skipped: FhirSkip[] }
  | { ok: false; status: 400 | 422; issues: FhirIssue[] };

export interface FhirAdministrationReadOptions {
  sender: { application: string; facility: string };
  /** `POST [base]/MedicationAdministration` or a transaction Bundle at `POST [base]` (its Observations are not read here). */
  expect: 'MedicationAdministration' | 'Bundle';
}

export const RXNORM_URI = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const { id: MAX_ID, hd: MAX_HD, display: MAX_DISPLAY } = LAB_RESULT_LIMITS;

type Status = MedicationAdministrationEvent['administration']['status'];

/** R4 status → the event's; null: nothing to take yet (skipped with the reason). */
const STATUS: Record<MedicationAdministration['status'], Status | null> = {
  completed: 'given',
  'entered-in-error': 'entered-in-error',
  'not-done': 'cancelled',
  stopped: 'cancelled',
  'in-progress': null,
  'on-hold': null,
  unknown: null,
};

/** UCUM mass units a dose is taken in, as a factor to mg. */
const MG_PER_UCUM: Readonly<Record<string, number>> = { mg: 1, g: 1000, ug: 0.001 };

/** Bundle entries of these types are read by the other reader or only resolved here: never a refusal. */
type Entry = { administration: FhirMedicationAdministration; expression: string; resolve: Resolve };

/**
 * Reads an R4 MedicationAdministration, or the MedicationAdministrations of a transaction (or batch) Bundle.
 *
 * Mapping: status completed → given, entered-in-error → entered-in-error, not-done / stopped → cancelled,
 * in-progress / on-hold / unknown → skipped; medication = the first coding with a system and a code of
 * medicationCodeableConcept or of the Medication medicationReference points at (contained or in the Bundle),
 * RxNorm written `RXNORM`, any other system as sent; patient = subject (or `patient`) → the Patient's identifier,
 * as `readFhirResults` chooses it; effectiveDateTime / effectivePeriod.start: a date alone is a `day`, a date and
 * time the instant `at`; dosage.dose in UCUM mg, g or ug → doseMg (any other unit: no dose); id = the first
 * identifier `system|value`, else the resource id; messageControlId = `<id>/_history/<versionId>`, else
 * `<identifier value or id>@<status>[@<lastUpdated>]` (a status change is a new message), hashed when over 64
 * characters; recordedAt = meta.lastUpdated; location = the context Encounter's first location (identifier value,
 * else display), else its serviceProvider's identifier value, else a performer Organization's identifier value.
 */
export function readFhirAdministrations(
  body: unknown,
  options: FhirAdministrationReadOptions,
): FhirAdministrationRead {
  try {
    return read(body, options);
  } catch {
    return refused(422, [
      {
        expression: options.expect,
        message: 'internal error while reading the resource',
        code: 'processing',
      },
    ]);
  }
}

function read(body: unknown, options: FhirAdministrationReadOptions): FhirAdministrationRead {
  const type = (body as { resourceType?: unknown } | null)?.resourceType;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof type !== 'string') {
    return refused(400, [{ expression: 'resourceType', message: 'not a FHIR resource', code: 'structure' }]);
  }
  if (type !== options.expect) {
    const hint = options.expect === 'Bundle' ? 'POST it to [base]/' + type : 'POST a Bundle to [base]';
    return refused(400, [
      {
        expression: `${type}.resourceType`,
        message: `this endpoint takes ${options.expect === 'Bundle' ? 'a transaction Bundle' : 'a MedicationAdministration'}, not a ${type} (${hint})`,
        code: 'invalid',
      },
    ]);
  }
  if (type === 'Bundle') return readBundle(body, options);
  const parsed = medicationAdministrationSchema.safeParse(body);
  if (!parsed.success) return refused(400, zodIssues(parsed.error, 'MedicationAdministration'));
  const contained = containedIndex(parsed.data, 'MedicationAdministration');
  const resolve: Resolve = (reference) => contained.get(reference);
  return collect([{ administration: parsed.data, expression: 'MedicationAdministration', resolve }], options);
}

function readBundle(body: object, options: FhirAdministrationReadOptions): FhirAdministrationRead {
  const bundle = bundleSchema.safeParse(body);
  if (!bundle.success) return refused(400, zodIssues(bundle.error, 'Bundle'));
  if (bundle.data.type !== 'transaction' && bundle.data.type !== 'batch') {
    return refused(422, [
      {
        expression: 'Bundle.type',
        message: `a ${bundle.data.type} Bundle is not taken: send administrations as a transaction Bundle`,
        code: 'not-supported',
      },
    ]);
  }
  const issues: FhirIssue[] = [];
  const index = new Map<string, Indexed>();
  const entries: Entry[] = [];
  for (const [position, entry] of (bundle.data.entry ?? []).entries()) {
    if (entry.resource === undefined) continue;
    const expression = `Bundle.entry[${position}].resource`;
    const resourceType = (entry.resource as { resourceType?: unknown } | null)?.resourceType;
    const schema =
      typeof resourceType === 'string' && resourceType in administrationResourceSchemas
        ? administrationResourceSchemas[resourceType as keyof typeof administrationResourceSchemas]
        : anyResourceSchema;
    const parsed = (schema as z.ZodType<Record<string, unknown>>).safeParse(entry.resource);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, expression));
      continue;
    }
    const indexed = { resource: parsed.data, expression };
    if (entry.fullUrl) index.set(entry.fullUrl, indexed);
    if (typeof parsed.data.id === 'string') index.set(`${String(resourceType)}/${parsed.data.id}`, indexed);
    if (resourceType === 'MedicationAdministration') {
      const administration = parsed.data as FhirMedicationAdministration;
      const contained = containedIndex(administration, expression);
      const resolve: Resolve = (reference) => contained.get(reference) ?? inBundle(index, reference);
      entries.push({ administration, expression, resolve });
    }
  }
  if (issues.length > 0) return refused(400, issues);
  // A Bundle of Observations only (or of neither) is not refused here: the gateway decides what it takes.
  return collect(entries, options);
}

function collect(entries: readonly Entry[], options: FhirAdministrationReadOptions): FhirAdministrationRead {
  const administrations: FhirAdministration[] = [];
  const skipped: FhirSkip[] = [];
  const issues: FhirIssue[] = [];
  const ids = new Map<string, string>();
  for (const { administration, expression, resolve } of entries) {
    const mapped = toEvent(administration, expression, resolve, options);
    if ('skip' in mapped) {
      skipped.push({ expression, reason: mapped.skip });
      continue;
    }
    if ('issues' in mapped) {
      issues.push(...mapped.issues);
      continue;
    }
    const key = [
      mapped.event.patient.authority,
      mapped.event.patient.id,
      mapped.event.administration.id,
    ].join('\u0000');
    const earlier = ids.get(key);
    if (earlier !== undefined) {
      issues.push({
        expression: `${expression}.identifier`,
        message: `the same administration as ${earlier} (same identifier or id): cannot be told apart`,
        code: 'business-rule',
      });
      continue;
    }
    ids.set(key, expression);
    administrations.push({ expression, event: mapped.event });
  }
  if (issues.length > 0) return refused(422, issues);
  return { ok: true, administrations, skipped };
}

type Mapped = { event: MedicationAdministrationEvent } | { skip: string } | { issues: FhirIssue[] };

function toEvent(
  administration: FhirMedicationAdministration,
  expression: string,
  resolve: Resolve,
  options: FhirAdministrationReadOptions,
): Mapped {
  const status = STATUS[administration.status];
  if (status === null) {
    return { skip: `status ${administration.status}: not (yet) an administration given or withdrawn` };
  }
  const issues: FhirIssue[] = [];
  const problem = (element: string, message: string, code: FhirIssueType = 'business-rule') => {
    issues.push({ expression: `${expression}.${element}`, message, code });
  };
  if (administration.modifierExtension && administration.modifierExtension.length > 0) {
    problem('modifierExtension', 'a modifier extension this intake does not understand', 'not-supported');
  }
  const medication = medicationOf(administration, resolve);
  if ('issue' in medication) problem(medication.issue.element, medication.issue.message, 'required');
  const subjectElement = administration.patient && !administration.subject ? 'patient' : 'subject';
  const patient = patientOf(administration.subject ?? administration.patient, expression, resolve, {
    element: subjectElement,
    missing: 'an administration is given to a patient: subject is required',
    notPatient: 'the subject of an administration taken here is a Patient',
  });
  if ('issue' in patient) issues.push(patient.issue);
  const when = whenOf(administration, status);
  if ('issue' in when) problem(when.issue.element, when.issue.message, 'value');
  const id = idOf(administration);
  if (id === null) {
    problem(
      'identifier',
      'an administration needs an identifier (or an id) so that its correction or withdrawal can name it',
      'required',
    );
  } else if (id.length > MAX_HD) {
    problem('identifier', `the identifier (system|value) is longer than ${MAX_HD} characters`, 'value');
  }
  if (issues.length > 0 || 'issue' in medication || 'issue' in patient || 'issue' in when || id === null) {
    return { issues };
  }
  const doseMg = doseOf(administration.dosage?.dose);
  const location = locationOf(administration, resolve);
  const lastUpdated = administration.meta?.lastUpdated;
  const event: MedicationAdministrationEvent = {
    schema: MEDICATION_ADMINISTRATION_SCHEMA,
    patient: patient.patient,
    sender: { ...options.sender },
    messageControlId: controlIdOf(administration),
    administration: {
      id,
      status,
      evidence: 'administered',
      ...when,
      ...(doseMg !== undefined ? { doseMg } : {}),
      medication: medication.medication,
    },
    ...(location ? { location } : {}),
    ...(lastUpdated ? { recordedAt: lastUpdated } : {}),
  };
  const checked = parseMedicationAdministrationEvent(event);
  if (!checked.ok) {
    const reason = checked.reason.replace(
      /^invalid medication-administration\.v1 event: /,
      'cannot be taken as an administration: ',
    );
    return { issues: [{ expression, message: reason, code: 'processing' }] };
  }
  return { event: checked.event };
}

type Medication = MedicationAdministrationEvent['administration']['medication'];

/** medicationCodeableConcept, or the code of the Medication medicationReference points at: its first coding. */
function medicationOf(
  administration: FhirMedicationAdministration,
  resolve: Resolve,
): { medication: Medication } | { issue: { element: string; message: string } } {
  let concept: FhirCodeableConcept | undefined = administration.medicationCodeableConcept;
  let element = 'medicationCodeableConcept';
  const reference = administration.medicationReference;
  if (reference) {
    const medication = resolveAs<FhirMedication>(reference, 'Medication', resolve);
    if (!medication) {
      return {
        issue: {
          element: 'medicationReference',
          message: `${reference.reference ?? 'the reference'} is not a Medication contained or in the Bundle: its code cannot be read`,
        },
      };
    }
    concept = medication.code;
    element = 'medicationReference';
  }
  const coding = concept?.coding?.find((c) => c.system && c.code);
  if (!coding) {
    return {
      issue: {
        element,
        message: `a coding with a system and a code is required (RxNorm: ${RXNORM_URI})`,
      },
    };
  }
  const system = coding.system === RXNORM_URI ? RXNORM_SYSTEM : coding.system!;
  if (coding.code!.length > MAX_ID || system.length > MAX_HD) {
    return { issue: { element, message: 'the code or its system is too long to be taken' } };
  }
  const display = (coding.display ?? concept?.text)?.slice(0, MAX_DISPLAY);
  return { medication: { code: coding.code!, system, ...(display ? { display } : {}) } };
}

/**
 * effectiveDateTime or effectivePeriod.start: a date (`2015-01-15`) is the day given, a date and time (with its
 * offset, which R4 requires) the instant. A given administration needs one to the day at least.
 */
function whenOf(
  administration: FhirMedicationAdministration,
  status: Status,
): { day?: string; at?: string } | { issue: { element: string; message: string } } {
  const [element, value] =
    administration.effectiveDateTime !== undefined
      ? ['effectiveDateTime', administration.effectiveDateTime]
      : ['effectivePeriod.start', administration.effectivePeriod?.start];
  if (value === undefined) {
    return status === 'given'
      ? {
          issue: {
            element,
            message: 'when it was given is required: effectiveDateTime or effectivePeriod.start',
          },
        }
      : {};
  }
  if (value.includes('T')) return { at: value };
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { day: value };
  return status === 'given'
    ? { issue: { element, message: `${value} is not a day: send the date (or date and time) it was given` } }
    : {};
}

/** dosage.dose in UCUM mg, g or ug (the unit read from `code`, else `unit`), as mg. */
function doseOf(dose: FhirQuantity | undefined): number | undefined {
  if (dose?.value === undefined || dose.value < 0 || dose.comparator) return undefined;
  if (dose.system !== undefined && dose.system !== UCUM_SYSTEM) return undefined;
  const factor = MG_PER_UCUM[dose.code ?? dose.unit ?? ''];
  if (factor === undefined) return undefined;
  const mg = Math.round(dose.value * factor * 1e6) / 1e6;
  return Number.isFinite(mg) ? mg : undefined;
}

/** The first identifier as `system|value` (as the Observation reader names one), else the resource id. */
function idOf(administration: FhirMedicationAdministration): string | null {
  const identifier = administration.identifier?.find((i) => i.value);
  if (identifier) return `${identifier.system ?? ''}|${identifier.value}`;
  return administration.id ?? null;
}

/**
 * The event's message control id (with the sender and the administration id, the idempotency key): the version
 * (`<id>/_history/<versionId>`), else the identifier value (or id) with the status and lastUpdated, so that a
 * withdrawal sent without a version is not taken for a resend of what it withdraws. Over 64 characters, a hash.
 */
function controlIdOf(administration: FhirMedicationAdministration): string {
  const identifier = administration.identifier?.find((i) => i.value);
  const versionId = administration.meta?.versionId;
  const lastUpdated = administration.meta?.lastUpdated;
  const control =
    administration.id && versionId
      ? `${administration.id}/_history/${versionId}`
      : `${identifier?.value ?? administration.id}@${administration.status}${lastUpdated ? `@${lastUpdated}` : ''}`;
  if (control.length <= MAX_ID) return control;
  return `fhir-${createHash('sha256').update(control).digest('base64url').slice(0, 32)}`;
}

/**
 * Where it was given, as the sender codes it: the context Encounter's first location (identifier value, else
 * the Location's identifier, else display or name), else its serviceProvider's identifier value, else the
 * identifier value of a performer that is an Organization. None longer than the event takes.
 */
function locationOf(administration: FhirMedicationAdministration, resolve: Resolve): string | undefined {
  const fit = (value: string | undefined) =>
    value && value.trim() && value.length <= MAX_ID ? value : undefined;
  const organisation = (reference: FhirReference | undefined): string | undefined => {
    if (!reference) return undefined;
    if (reference.identifier?.value && (!reference.type || reference.type === 'Organization')) {
      return fit(reference.identifier.value);
    }
    return fit(firstValue(resolveAs<FhirOrganization>(reference, 'Organization', resolve)?.identifier));
  };
  const encounter = resolveAs<FhirEncounter>(
    administration.context ?? administration.encounter,
    'Encounter',
    resolve,
  );
  const place = encounter?.location?.[0]?.location;
  if (place) {
    const found = resolveAs<FhirLocation>(place, 'Location', resolve);
    const value =
      fit(place.identifier?.value) ??
      fit(firstValue(found?.identifier)) ??
      fit(place.display) ??
      fit(found?.name);
    if (value) return value;
  }
  const provider = organisation(encounter?.serviceProvider);
  if (provider) return provider;
  for (const performer of administration.performer ?? []) {
    const actor = performer.actor;
    const named = actor.reference?.split('/').at(-2);
    if (actor.type === 'Organization' || named === 'Organization' || actor.reference?.startsWith('#')) {
      const value = organisation(actor);
      if (value) return value;
    }
  }
  return undefined;
}

function firstValue(identifiers: readonly FhirIdentifier[] | undefined): string | undefined {
  return identifiers?.find((i) => i.value)?.value;
}

function refused(status: 400 | 422, issues: FhirIssue[]): FhirAdministrationRead {
  return { ok: false, status, issues: issues.slice(0, 50) };
}
