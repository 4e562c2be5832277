import { type z } from 'zod';
import { type FhirIssue } from './fhir-results';
import { type FhirIdentifier, type FhirPatient, type FhirReference } from './fhir-schema';

/*
 * What the FHIR readers (Observation → lab results, MedicationAdministration → administrations) share: resolving
 * references within a resource (`#id`) or a Bundle, the patient by identifier and assigning authority, and the
 * issues a refusal names.
 */

const MR_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';

export type Indexed = { resource: Record<string, unknown>; expression: string };

/** Resolves a Reference.reference within the resource (`#id`) or the Bundle (fullUrl, `Type/id`). */
export type Resolve = (reference: string) => Indexed | undefined;

/** A reference to a bundled resource: its fullUrl, `Type/id`, or an absolute URL ending in `Type/id`. */
export function inBundle(index: Map<string, Indexed>, reference: string): Indexed | undefined {
  const found = index.get(reference);
  if (found) return found;
  const relative = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(
    reference,
  );
  return relative ? index.get(relative[1]!) : undefined;
}

/** The contained resources of a resource, by `#id`. */
export function containedIndex(
  resource: { contained?: readonly unknown[] },
  expression: string,
): Map<string, Indexed> {
  const index = new Map<string, Indexed>();
  for (const [position, contained] of (resource.contained ?? []).entries()) {
    const id = (contained as { id?: unknown }).id;
    if (typeof id === 'string') {
      index.set(`#${id}`, {
        resource: contained as Record<string, unknown>,
        expression: `${expression}.contained[${position}]`,
      });
    }
  }
  return index;
}

/** A Reference resolved within the resource or Bundle, when it points at a resource of that type. */
export function resolveAs<T>(
  reference: FhirReference | undefined,
  type: string,
  resolve: Resolve,
): T | undefined {
  if (!reference?.reference) return undefined;
  const found = resolve(reference.reference);
  return found && found.resource.resourceType === type ? (found.resource as T) : undefined;
}

/** Where the patient reference sits and what to say when it is absent or not a patient. */
export interface SubjectElement {
  /** `subject` (Observation, MedicationAdministration), or `patient` (a pre-R4 MedicationAdministration). */
  element: string;
  missing: string;
  notPatient: string;
}

/**
 * The patient, by identifier and assigning authority, never by name: the identifier of the contained or
 * bundled Patient the subject points at, else `subject.identifier`. The identifier typed MR (v2-0203) is
 * preferred, then an official or usual one, then the first with a system and a value.
 */
export function patientOf(
  subject: FhirReference | undefined,
  expression: string,
  resolve: Resolve,
  { element, missing, notPatient }: SubjectElement,
): { patient: { id: string; authority: string } } | { issue: FhirIssue } {
  const at = (message: string): { issue: FhirIssue } => ({
    issue: { expression: `${expression}.${element}`, message, code: 'required' },
  });
  if (!subject) return at(missing);
  const named = subject.reference?.split('/').at(-2);
  if (
    (subject.type && subject.type !== 'Patient') ||
    (named && /^[A-Z]/.test(named) && named !== 'Patient')
  ) {
    return at(notPatient);
  }
  const found = subject.reference ? resolve(subject.reference) : undefined;
  if (found && found.resource.resourceType !== 'Patient') {
    return at(`the ${element} is a ${String(found.resource.resourceType)}, not a Patient`);
  }
  const identifiers = found ? ((found.resource as FhirPatient).identifier ?? []) : [];
  const where = found ? `${found.expression}.identifier` : `${expression}.${element}.identifier`;
  const candidates = found ? identifiers : subject.identifier ? [subject.identifier] : [];
  if (candidates.length === 0) {
    return {
      issue: {
        expression: found ? where : `${expression}.${element}`,
        message: found
          ? 'the Patient has no identifier: a patient is matched by identifier and assigning authority'
          : `${subject.reference ?? `the ${element}`} is neither contained nor in the Bundle, and ${element}.identifier is absent: a patient is matched by identifier and assigning authority`,
        code: 'required',
      },
    };
  }
  const usable = candidates.filter((i) => i.system && i.value);
  const chosen =
    usable.find(isMedicalRecordNumber) ??
    usable.find((i) => i.use === 'official' || i.use === 'usual') ??
    usable[0];
  if (!chosen) {
    return {
      issue: {
        expression: where,
        message: 'an identifier with a system (the assigning authority) and a value is required',
        code: 'required',
      },
    };
  }
  const authority = authorityOf(chosen.system!);
  if (authority === null) {
    return {
      issue: {
        expression: `${where}.system`,
        message:
          'this system cannot name an assigning authority (it holds & or ^, or is over 120 characters)',
        code: 'value',
      },
    };
  }
  return { patient: { id: chosen.value!.trim(), authority } };
}

function isMedicalRecordNumber(identifier: FhirIdentifier): boolean {
  return (identifier.type?.coding ?? []).some(
    (c) => c.code === 'MR' && (!c.system || c.system === MR_TYPE_SYSTEM),
  );
}

/**
 * An identifier's system as an HL7 v2 assigning authority (a hierarchic designator), so that a patient is the
 * same whichever standard the lab speaks: `urn:oid:2.16.840.1.113883.19.5` → `&2.16.840.1.113883.19.5&ISO` (what
 * PID-3.4 carries for an OID), any other URI `u` → `&u&URI`. An enrolment or sender registration naming the OID
 * or the URI matches either (the universal id is one of the forms `hdForms` looks up).
 */
export function authorityOf(system: string): string | null {
  if (/[&^~\\|]/.test(system) || system.length > 120) return null;
  const oid = /^urn:oid:([0-2](\.(0|[1-9]\d*))+)$/.exec(system);
  return oid ? `&${oid[1]}&ISO` : `&${system}&URI`;
}

/** zod's issues at FHIRPath expressions: `Bundle.entry[2].resource.valueQuantity.value`. */
export function zodIssues(error: z.ZodError, root: string): FhirIssue[] {
  return error.issues.map((issue) => {
    const expression = issue.path.reduce<string>(
      (path, part) => (typeof part === 'number' ? `${path}[${part}]` : `${path}.${String(part)}`),
      root,
    );
    const missing = /received undefined/.test(issue.message) || issue.message.startsWith('required');
    const unknown = issue.message.startsWith('not an element');
    return {
      expression,
      message: issue.message,
      code: missing ? 'required' : unknown ? 'structure' : 'value',
    };
  });
}
