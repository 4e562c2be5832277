import { type LabResultEvent, type MedicationAdministrationEvent } from '@alem/events';
import {
  type FhirAdministration,
  type FhirIssue,
  type FhirResult,
  type FhirSkip,
  readFhirAdministrations,
  readFhirResults,
} from '@alem/fhir';

/** What a FHIR route takes: one resource at `[base]/<type>`, or a transaction Bundle at `[base]`. */
export type FhirExpect = 'Observation' | 'MedicationAdministration' | 'Bundle';

/** A submission as read: its lab results and administrations, or why it is refused whole. */
export type FhirSubmissionRead =
  | { ok: true; results: FhirResult[]; administrations: FhirAdministration[]; skipped: FhirSkip[] }
  | { ok: false; status: 400 | 422; issues: FhirIssue[] };

/** Which kinds of resource a Bundle's entries are (by `resourceType` alone; the readers validate). */
function bundleHolds(body: unknown): { observations: boolean; administrations: boolean } {
  const entries = (body as { entry?: unknown }).entry;
  const types = new Set(
    (Array.isArray(entries) ? entries : []).map(
      (entry) => (entry as { resource?: { resourceType?: unknown } } | null)?.resource?.resourceType,
    ),
  );
  return { observations: types.has('Observation'), administrations: types.has('MedicationAdministration') };
}

/** The refusal a reader gives a valid transaction Bundle without its kind of resource (422 at `Bundle.entry`). */
const onlyNothingToRead = (read: { status: 400 | 422; issues: FhirIssue[] }) =>
  read.status === 422 &&
  read.issues.length > 0 &&
  read.issues.every((issue) => issue.expression === 'Bundle.entry');

/**
 * Reads a FHIR submission with the reader of each kind it holds: an Observation with `readFhirResults`, a
 * MedicationAdministration with `readFhirAdministrations`, a transaction Bundle with whichever of the two its
 * entries need (both for a Bundle of both). All or nothing, as a FHIR transaction is: a refusal by either reader
 * refuses the whole submission (400 when either found invalid R4, else 422), with every issue found. A Bundle of
 * neither kind is 422 at `Bundle.entry` (once it is a valid transaction Bundle at all). Pure; never throws.
 */
export function readFhirSubmission(
  body: unknown,
  sender: { application: string; facility: string },
  expect: FhirExpect,
): FhirSubmissionRead {
  const readResults = () =>
    readFhirResults(body, { sender, expect: expect === 'Bundle' ? 'Bundle' : 'Observation' });
  const readAdministrations = () =>
    readFhirAdministrations(body, {
      sender,
      expect: expect === 'Bundle' ? 'Bundle' : 'MedicationAdministration',
    });
  if (expect === 'Observation') {
    const read = readResults();
    return read.ok ? { ...read, administrations: [] } : read;
  }
  if (expect === 'MedicationAdministration') {
    const read = readAdministrations();
    return read.ok
      ? { ok: true, results: [], administrations: read.administrations, skipped: read.skipped }
      : read;
  }
  const holds =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? bundleHolds(body)
      : { observations: false, administrations: false };
  if (!holds.observations && !holds.administrations) {
    // The results reader says what is wrong with anything that is not a transaction Bundle; for one that is,
    // its "no Observation" is ours to say in full.
    const read = readResults();
    if (!read.ok && !onlyNothingToRead(read)) return read;
    return {
      ok: false,
      status: 422,
      issues: [
        {
          expression: 'Bundle.entry',
          message: 'the Bundle holds no Observation and no MedicationAdministration',
          code: 'required',
        },
      ],
    };
  }
  const results = holds.observations ? readResults() : null;
  const administrations = holds.administrations ? readAdministrations() : null;
  const refusals = [results, administrations].filter(
    (read): read is Extract<FhirSubmissionRead, { ok: false }> => read !== null && !read.ok,
  );
  if (refusals.length > 0) {
    return {
      ok: false,
      status: refusals.some((read) => read.status === 400) ? 400 : 422,
      issues: refusals.flatMap((read) => read.issues),
    };
  }
  return {
    ok: true,
    results: results?.ok ? results.results : [],
    administrations: administrations?.ok ? administrations.administrations : [],
    skipped: [
      ...(results?.ok ? results.skipped : []),
      ...(administrations?.ok ? administrations.skipped : []),
    ],
  };
}

/** The position of a Bundle entry an expression names (`Bundle.entry[3].resource…` → 3); 0 for a single resource. */
export function entryPosition(expression: string): number {
  const match = /^Bundle\.entry\[(\d+)\]/.exec(expression);
  return match ? Number(match[1]) : 0;
}

/** The events of an accepted submission, each with the element it came from and the control id it was accepted as. */
export function acceptedEvents(read: Extract<FhirSubmissionRead, { ok: true }>): Array<{
  expression: string;
  event: LabResultEvent | MedicationAdministrationEvent;
}> {
  return [...read.results, ...read.administrations].sort(
    (a, b) => entryPosition(a.expression) - entryPosition(b.expression),
  );
}
