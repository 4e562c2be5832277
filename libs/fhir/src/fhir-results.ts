import { createHash } from 'node:crypto';
import { type LabResultEvent, parseLabResultEvent } from '@alem/events';
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
import {
  anyResourceSchema,
  bundleSchema,
  type FhirCodeableConcept,
  type FhirObservation,
  type FhirServiceRequest,
  type FhirSpecimen,
  OBSERVATION_VALUES,
  resourceSchemas,
} from './fhir-schema';

/** Kept here for the callers that import it from the Observation reader. */
export { authorityOf } from './fhir-references';

export const LOINC_SYSTEM = 'http://loinc.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/** FHIR's issue types (OperationOutcome.issue.code) the intake uses. */
export type FhirIssueType =
  'structure' | 'required' | 'value' | 'invalid' | 'not-supported' | 'business-rule' | 'processing';

/** One problem, at the element it concerns (`Observation.status`, `Bundle.entry[2].resource.subject`). */
export interface FhirIssue {
  expression: string;
  message: string;
  code: FhirIssueType;
}

/** One Observation as a `LabResult` event (without `receivedAt`, which the gateway sets). */
export interface FhirResult {
  expression: string;
  event: LabResultEvent;
}

/** An Observation that holds no result to take (a panel grouping its members, a registered order). */
export interface FhirSkip {
  expression: string;
  reason: string;
}

/**
 * What became of a submission: its results, or why it is refused. 400: the body is not valid R4 (as far as
 * the elements read go); 422: valid R4 that cannot be taken as lab results (no patient identifier, a value
 * type or bundle type not taken, no time of day). All or nothing, as a FHIR transaction is.
 */
export type FhirRead =
  | { ok: true; results: FhirResult[]; skipped: FhirSkip[] }
  | { ok: false; status: 400 | 422; issues: FhirIssue[] };

export interface FhirReadOptions {
  /** The authenticated sender: who sent the results, whatever the resources say. */
  sender: { application: string; facility: string };
  /** What the route takes: one Observation (`POST [base]/Observation`) or a transaction Bundle (`POST [base]`). */
  expect: 'Observation' | 'Bundle';
}

/** Observation.status → the event's status, as libs/hl7 reads OBX-11 (F, C, P/R/S/I, X, D/W). */
const STATUS: Record<FhirObservation['status'], LabResultEvent['status'] | null> = {
  final: 'final',
  amended: 'corrected',
  corrected: 'corrected',
  preliminary: 'preliminary',
  registered: 'preliminary',
  cancelled: 'not-obtainable',
  'entered-in-error': 'deleted',
  unknown: null,
};

/** Reads an R4 Observation or transaction Bundle as lab results; pure, never throws. */
export function readFhirResults(body: unknown, options: FhirReadOptions): FhirRead {
  const type = (body as { resourceType?: unknown } | null)?.resourceType;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof type !== 'string') {
    return refused(400, [{ expression: 'resourceType', message: 'not a FHIR resource', code: 'structure' }]);
  }
  if (type !== options.expect) {
    const hint = options.expect === 'Bundle' ? 'POST it to [base]/' + type : 'POST a Bundle to [base]';
    return refused(400, [
      {
        expression: `${type}.resourceType`,
        message: `this endpoint takes ${options.expect === 'Bundle' ? 'a transaction Bundle' : 'an Observation'}, not a ${type} (${hint})`,
        code: 'invalid',
      },
    ]);
  }
  return type === 'Bundle' ? readBundle(body, options) : readSingle(body, options);
}

function readSingle(body: object, options: FhirReadOptions): FhirRead {
  const parsed = resourceSchemas.Observation.safeParse(body);
  if (!parsed.success) return refused(400, zodIssues(parsed.error, 'Observation'));
  const contained = containedIndex(parsed.data, 'Observation');
  const resolve: Resolve = (reference) => contained.get(reference);
  return collect([{ observation: parsed.data, expression: 'Observation', resolve }], options);
}

function readBundle(body: object, options: FhirReadOptions): FhirRead {
  const bundle = bundleSchema.safeParse(body);
  if (!bundle.success) return refused(400, zodIssues(bundle.error, 'Bundle'));
  if (bundle.data.type !== 'transaction') {
    return refused(422, [
      {
        expression: 'Bundle.type',
        message: `a ${bundle.data.type} Bundle is not taken: send laboratory results as a transaction Bundle`,
        code: 'not-supported',
      },
    ]);
  }
  const issues: FhirIssue[] = [];
  const index = new Map<string, Indexed>();
  const observations: Array<{ observation: FhirObservation; expression: string; resolve: Resolve }> = [];
  const entries = bundle.data.entry ?? [];
  for (const [position, entry] of entries.entries()) {
    if (entry.resource === undefined) continue;
    const expression = `Bundle.entry[${position}].resource`;
    const resourceType = (entry.resource as { resourceType?: unknown } | null)?.resourceType;
    const schema =
      typeof resourceType === 'string' && resourceType in resourceSchemas
        ? resourceSchemas[resourceType as keyof typeof resourceSchemas]
        : anyResourceSchema;
    const parsed = (schema as z.ZodType<Record<string, unknown>>).safeParse(entry.resource);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, expression));
      continue;
    }
    const indexed = { resource: parsed.data, expression };
    if (entry.fullUrl) index.set(entry.fullUrl, indexed);
    if (typeof parsed.data.id === 'string') index.set(`${String(resourceType)}/${parsed.data.id}`, indexed);
    if (resourceType === 'Observation') {
      const observation = parsed.data as FhirObservation;
      const contained = containedIndex(observation, expression);
      const resolve: Resolve = (reference) => contained.get(reference) ?? inBundle(index, reference);
      observations.push({ observation, expression, resolve });
    }
  }
  if (issues.length > 0) return refused(400, issues);
  if (observations.length === 0) {
    return refused(422, [
      { expression: 'Bundle.entry', message: 'the Bundle holds no Observation', code: 'required' },
    ]);
  }
  return collect(observations, options);
}

function collect(
  observations: Array<{ observation: FhirObservation; expression: string; resolve: Resolve }>,
  options: FhirReadOptions,
): FhirRead {
  const results: FhirResult[] = [];
  const skipped: FhirSkip[] = [];
  const issues: FhirIssue[] = [];
  for (const { observation, expression, resolve } of observations) {
    const mapped = toEvent(observation, expression, resolve, options);
    if ('event' in mapped) results.push({ expression, event: mapped.event });
    else if ('skip' in mapped) skipped.push({ expression, reason: mapped.skip });
    else issues.push(...mapped.issues);
  }
  if (issues.length > 0) return refused(422, issues);
  if (results.length === 0) {
    return refused(422, [
      {
        expression: observations[0]!.expression,
        message: `no result to take: ${skipped.map((s) => s.reason).join('; ')}`,
        code: 'business-rule',
      },
    ]);
  }
  return { ok: true, results, skipped };
}

type Mapped = { event: LabResultEvent } | { skip: string } | { issues: FhirIssue[] };

function toEvent(
  observation: FhirObservation,
  expression: string,
  resolve: Resolve,
  options: FhirReadOptions,
): Mapped {
  const issues: FhirIssue[] = [];
  const problem = (element: string, message: string, code: FhirIssueType = 'business-rule') => {
    issues.push({ expression: `${expression}.${element}`, message, code });
  };
  const valueKey = OBSERVATION_VALUES.find((key) => observation[key] !== undefined);
  let status = STATUS[observation.status];
  if (status === null) {
    problem('status', 'status unknown says nothing a result can be judged on', 'not-supported');
    return { issues };
  }
  if (valueKey === undefined && observation.dataAbsentReason === undefined) {
    if ((observation.hasMember?.length ?? 0) > 0 || (observation.component?.length ?? 0) > 0) {
      if (status !== 'deleted' && status !== 'not-obtainable') {
        return { skip: 'a panel (hasMember or component) without a value of its own' };
      }
    } else if (observation.status === 'registered') {
      return { skip: 'registered: no result yet' };
    }
  }
  if (observation.modifierExtension && observation.modifierExtension.length > 0) {
    problem('modifierExtension', 'a modifier extension this intake does not understand', 'not-supported');
  }
  // A result the lab could not obtain says so with dataAbsentReason (OBX-11 X, no value).
  if (valueKey === undefined && observation.dataAbsentReason !== undefined && status !== 'deleted') {
    status = 'not-obtainable';
  }

  const specimen = resolveAs<FhirSpecimen>(observation.specimen, 'Specimen', resolve);
  const observationCode = codeOf(observation.code);
  if (typeof observationCode === 'string') problem('code', observationCode, 'required');
  const patient = patientOf(observation.subject, expression, resolve, {
    element: 'subject',
    missing: 'a result belongs to a patient: subject is required',
    notPatient: 'the subject of a lab result taken here is a Patient',
  });
  if ('issue' in patient) issues.push(patient.issue);
  const observed = observedAt(observation, specimen);
  if (typeof observed !== 'string') problem(observed.element, observed.message, 'required');
  const value = valueOf(observation, valueKey, status);
  if ('issue' in value) problem(value.issue.element, value.issue.message, value.issue.code);
  const identity = controlIdOf(observation);
  if (identity === null) {
    problem(
      'identifier',
      'an Observation needs an identifier (or an id) so that a resend is recognised as the same result',
      'required',
    );
  }
  if (issues.length > 0 || typeof observationCode === 'string' || 'issue' in patient || 'issue' in value) {
    return { issues };
  }
  const flags = flagsOf(observation.interpretation);
  const range = rangeOf(observation.referenceRange);
  const orderId = orderIdOf(observation, resolve, specimen);
  const event: LabResultEvent = {
    schema: 'lab-result.v1',
    patient: patient.patient,
    sender: { ...options.sender },
    messageControlId: identity!,
    observation: {
      code: observationCode.code,
      system: observationCode.system,
      ...(observationCode.display ? { display: observationCode.display.slice(0, 200) } : {}),
      ...(orderId ? { orderId } : {}),
    },
    valueType: value.valueType,
    value: value.value,
    ...(value.comparator ? { comparator: value.comparator } : {}),
    ...(value.unit ? { unit: value.unit } : {}),
    ...(range ? { referenceRange: range } : {}),
    ...(flags.length > 0 ? { flags } : {}),
    status,
    observedAt: observed as string,
  };
  const checked = parseLabResultEvent(event);
  if (!checked.ok) {
    const reason = checked.reason.replace(/^invalid lab-result\.v1 event: /, 'cannot be taken as a result: ');
    return { issues: [{ expression, message: reason, code: 'processing' }] };
  }
  return { event: checked.event };
}

/** The LOINC coding (`LN`), else the first coding with a system and a code. */
function codeOf(concept: FhirCodeableConcept): { code: string; system: string; display?: string } | string {
  const codings = concept.coding ?? [];
  const loinc = codings.find((c) => c.system === LOINC_SYSTEM && c.code);
  if (loinc) return { code: loinc.code!, system: 'LN', display: loinc.display ?? concept.text };
  const other = codings.find((c) => c.system && c.code);
  if (!other) return 'a coding with a system and a code is required (LOINC: http://loinc.org)';
  const system = other.system === SNOMED_SYSTEM ? 'SCT' : other.system!;
  if (system.length > 64) return `code system ${system.slice(0, 80)} is longer than 64 characters`;
  return { code: other.code!, system, display: other.display ?? concept.text };
}

/**
 * When the specimen was taken: effective[x] (dateTime, Period.start, instant), else the Specimen's
 * collection.collected[x]. It must carry a time of day (with its offset, which R4 requires with a time): a
 * result dated only by its day could not be ordered against the day's others or an infusion.
 */
function observedAt(
  observation: FhirObservation,
  specimen: FhirSpecimen | undefined,
): string | { element: string; message: string } {
  const candidates: Array<[string, string | undefined]> = [
    ['effectiveDateTime', observation.effectiveDateTime],
    ['effectivePeriod.start', observation.effectivePeriod?.start],
    ['effectiveInstant', observation.effectiveInstant],
    ['specimen', specimen?.collection?.collectedDateTime ?? specimen?.collection?.collectedPeriod?.start],
  ];
  const found = candidates.find(([, value]) => value !== undefined);
  if (!found) {
    return {
      element: 'effective[x]',
      message:
        "when the specimen was taken is required: effective[x], or the Specimen's collection.collected[x]",
    };
  }
  const [element, value] = found;
  if (!value!.includes('T')) {
    return {
      element,
      message: `${value} has no time of day: send the time the specimen was taken, with its offset`,
    };
  }
  return value!;
}

type ValueRead =
  | {
      valueType: LabResultEvent['valueType'];
      value: number | string | null;
      comparator?: LabResultEvent['comparator'];
      unit?: string;
    }
  | { issue: { element: string; message: string; code: FhirIssueType } };

/**
 * value[x] → the event's value, as OBX-2/OBX-5 would carry it: Quantity → NM (SN with its comparator), the unit
 * its UCUM code when it has one (else its unit text); integer → NM; string → ST; CodeableConcept → CWE (the
 * display, as CE.2, else the text, else the code). No value is taken only with a status that needs none
 * (cancelled, entered-in-error) or a dataAbsentReason (then not-obtainable).
 */
function valueOf(
  observation: FhirObservation,
  key: (typeof OBSERVATION_VALUES)[number] | undefined,
  status: LabResultEvent['status'],
): ValueRead {
  switch (key) {
    case undefined:
      if (status === 'deleted' || status === 'not-obtainable') return { valueType: 'ST', value: null };
      return {
        issue: {
          element: 'value[x]',
          message: `a ${observation.status} result needs a value[x], or a dataAbsentReason saying why there is none`,
          code: 'required',
        },
      };
    case 'valueQuantity': {
      const quantity = observation.valueQuantity!;
      if (quantity.value === undefined) {
        return {
          issue: { element: 'valueQuantity.value', message: 'the quantity has no value', code: 'required' },
        };
      }
      const unit =
        quantity.system === UCUM_SYSTEM && quantity.code ? quantity.code : (quantity.unit ?? quantity.code);
      return {
        valueType: quantity.comparator ? 'SN' : 'NM',
        value: quantity.value,
        ...(quantity.comparator ? { comparator: quantity.comparator } : {}),
        ...(unit ? { unit } : {}),
      };
    }
    case 'valueInteger':
      return { valueType: 'NM', value: observation.valueInteger! };
    case 'valueString':
      return { valueType: 'ST', value: observation.valueString! };
    case 'valueCodeableConcept': {
      const concept = observation.valueCodeableConcept!;
      const text =
        concept.coding?.find((c) => c.display)?.display ??
        concept.text ??
        concept.coding?.find((c) => c.code)?.code;
      if (!text) {
        return {
          issue: {
            element: 'valueCodeableConcept',
            message: 'the coded value has no code, display or text',
            code: 'required',
          },
        };
      }
      return { valueType: 'CWE', value: text };
    }
    default:
      return {
        issue: {
          element: key,
          message: `${key} is not taken: send valueQuantity, valueInteger, valueString or valueCodeableConcept`,
          code: 'not-supported',
        },
      };
  }
}

/** interpretation → OBX-8 flags: the codes (v3-ObservationInterpretation shares HL7 v2 table 0078's H, L, HH, LL, A…). */
function flagsOf(interpretations: FhirCodeableConcept[] | undefined): string[] {
  const flags: string[] = [];
  for (const concept of interpretations ?? []) {
    const code = concept.coding?.find((c) => c.code && c.code.length <= 8)?.code;
    if (code && !flags.includes(code)) flags.push(code);
  }
  return flags.slice(0, 8);
}

/** referenceRange → OBX-7 text: the normal range (no type, or type normal), `low-high`, `>=low`, `<=high`, else its text. */
function rangeOf(ranges: FhirObservation['referenceRange']): string | undefined {
  const range = (ranges ?? []).find((r) => !r.type || (r.type.coding ?? []).some((c) => c.code === 'normal'));
  if (!range) return undefined;
  const low = range.low?.value;
  const high = range.high?.value;
  const text =
    low !== undefined && high !== undefined
      ? `${low}-${high}`
      : low !== undefined
        ? `>=${low}`
        : high !== undefined
          ? `<=${high}`
          : range.text;
  return text && text.length <= 64 ? text : undefined;
}

/**
 * The order the result belongs to (as OBR-3/OBR-2): a basedOn ServiceRequest's identifier (the filler's, then
 * the placer's, then the first), else the Specimen's accession identifier. With the code it is the identity a
 * correction refers to, and the specimen a differential's counts are derived within.
 */
function orderIdOf(
  observation: FhirObservation,
  resolve: Resolve,
  specimen: FhirSpecimen | undefined,
): string | undefined {
  for (const reference of observation.basedOn ?? []) {
    if (reference.identifier?.value) return reference.identifier.value;
    const request = resolveAs<FhirServiceRequest>(reference, 'ServiceRequest', resolve);
    const identifiers = request?.identifier?.filter((i) => i.value) ?? [];
    const typed = (code: string) =>
      identifiers.find((i) => (i.type?.coding ?? []).some((c) => c.code === code));
    const chosen = typed('FILL') ?? typed('PLAC') ?? identifiers[0];
    if (chosen) return chosen.value;
  }
  return specimen?.accessionIdentifier?.value;
}

/**
 * The event's message control id, which with the sender and the observation identity makes the idempotency
 * key: the Observation's business identifier (`system|value`, else `Observation/<id>`) and its version
 * (`meta.versionId`, else the status with `issued`). The same resource sent again maps to the same key; a
 * correction or retraction (a new version, or another status) to a new one, which the processor files under the
 * same observation identity (order, code) so that it supersedes or retracts what it corrects.
 */
function controlIdOf(observation: FhirObservation): string | null {
  const identifier = observation.identifier?.find((i) => i.value);
  const identity = identifier
    ? `${identifier.system ?? ''}|${identifier.value}`
    : observation.id
      ? `Observation/${observation.id}`
      : null;
  if (identity === null) return null;
  const version = observation.meta?.versionId
    ? `_history/${observation.meta.versionId}`
    : `${observation.status}@${observation.issued ?? observation.meta?.lastUpdated ?? ''}`;
  return `fhir-${createHash('sha256').update(`${identity}#${version}`).digest('base64url').slice(0, 32)}`;
}

function refused(status: 400 | 422, issues: FhirIssue[]): FhirRead {
  return { ok: false, status, issues: issues.slice(0, 50) };
}
