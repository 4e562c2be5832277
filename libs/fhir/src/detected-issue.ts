import type {
  Bundle,
  BundleEntry,
  BundleLink,
  CareTeam,
  DetectedIssue,
  DetectedIssueMitigation,
  Patient,
  Practitioner,
  Reference,
  Task,
} from '@medplum/fhirtypes';

/**
 * Alerts as FHIR R4 resources, so that an EHR can show them: pure (no framework, no I/O), from a plain view of
 * an alert that the repository reads. Decisions (issue 18, "FHIR R4 out"):
 *
 * - An alert is a `DetectedIssue`; its acknowledgement is a `Task` (`focus` = the DetectedIssue) whose status
 *   follows the workflow (requested → completed). A Task, not a `Communication`: a Communication records a
 *   message conveyed (our emails and SMS are those), while an acknowledgement is a person taking ownership of
 *   work, which has a "not yet" state, an owner and a completion time: a Task's.
 * - `DetectedIssue.status` (R4 binds it to ObservationStatus) is the status of the assessment, not of the
 *   clinical work: the rule judged results that labs sent, and the assessment is complete (`final`) once it
 *   fires, whether the alert is open, acknowledged or resolved; acknowledgement and resolution are
 *   `mitigation`s (what was done about the issue). `preliminary` when every result it stands on is a lab's
 *   preliminary result (graded at once for safety; the final is graded again); `entered-in-error` when every
 *   result it was raised on has been withdrawn by its lab (deleted, or replaced by a correction).
 */

/** The project's canonical base for the code systems it defines (one place, to move when it gets a home). */
export const FHIR_CANONICAL_BASE = 'https://alem-lab-alerts.org/fhir';
/** The rule ids (PLT-3, CREA-1, ...; docs/clinical-rules.md) as codes. */
export const RULE_CODE_SYSTEM = `${FHIR_CANONICAL_BASE}/CodeSystem/alert-rule`;
/** What people do with an alert (acknowledge, resolve) as codes. */
export const ALERT_ACTION_CODE_SYSTEM = `${FHIR_CANONICAL_BASE}/CodeSystem/alert-action`;
/** The alert's short reference (K7Q2-9XMA), the one messages carry. */
export const ALERT_REFERENCE_SYSTEM = `${FHIR_CANONICAL_BASE}/NamingSystem/alert-reference`;

export type AlertSeverity = 'critical' | 'warning' | 'info';
export type DetectedIssueStatus = 'preliminary' | 'final' | 'entered-in-error';
/** The statuses a search may ask for (the ones `detectedIssueStatus` gives). */
export const DETECTED_ISSUE_STATUSES: readonly DetectedIssueStatus[] = [
  'preliminary',
  'final',
  'entered-in-error',
];

/** A person of the staff, as the alert names them (acknowledged by, resolved by). */
export interface StaffMember {
  id: string;
  name: string | null;
}

/** One result an occurrence of the alert was raised on. */
export interface AlertEvidence {
  resultId: string;
  /** The occurrence was withdrawn (its result deleted or replaced by a correction). */
  retracted: boolean;
  /** The result is a lab's preliminary result. */
  preliminary: boolean;
}

/** What the mapping needs of an alert. */
export interface FhirAlert {
  id: string;
  reference: string;
  patientId: string | null;
  careTeamId: string | null;
  indication: 'MS' | 'CLL' | null;
  ruleId: string;
  ruleTitle: string;
  severity: AlertSeverity;
  state: 'open' | 'acknowledged' | 'resolved';
  ruleSetVersion: string;
  summary: string | null;
  openedAt: Date;
  updatedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: StaffMember | null;
  resolvedAt: Date | null;
  resolvedBy: StaffMember | null;
  resolutionReason: string | null;
  /** In the order the occurrences were raised. */
  evidence: readonly AlertEvidence[];
}

const SEVERITY: Record<AlertSeverity, NonNullable<DetectedIssue['severity']>> = {
  critical: 'high',
  warning: 'moderate',
  info: 'low',
};

const TASK_PRIORITY: Record<AlertSeverity, NonNullable<Task['priority']>> = {
  critical: 'stat',
  warning: 'urgent',
  info: 'routine',
};

/** The product the indication is treated with (the label the rules come from). */
const PRODUCT: Record<'MS' | 'CLL', string> = {
  MS: 'alemtuzumab (Lemtrada)',
  CLL: 'alemtuzumab (Campath)',
};

/**
 * The assessment's status from the results it stands on (see the module's comment). The repository's search
 * filter computes the same from the same counts (`fhirStatusSql` in fhir.repository.ts).
 */
export function detectedIssueStatus(evidence: readonly AlertEvidence[]): DetectedIssueStatus {
  if (evidence.length === 0) return 'final';
  const live = evidence.filter((e) => !e.retracted);
  if (live.length === 0) return 'entered-in-error';
  return live.every((e) => e.preliminary) ? 'preliminary' : 'final';
}

const patientOf = (a: FhirAlert): Reference<Patient> | undefined =>
  a.patientId ? { reference: `Patient/${a.patientId}` } : undefined;

const practitioner = (who: StaffMember): Reference<Practitioner> => ({
  reference: `Practitioner/${who.id}`,
  ...(who.name ? { display: who.name } : {}),
});

function mitigations(a: FhirAlert): DetectedIssueMitigation[] {
  const out: DetectedIssueMitigation[] = [];
  if (a.acknowledgedAt) {
    out.push({
      action: {
        coding: [{ system: ALERT_ACTION_CODE_SYSTEM, code: 'acknowledged', display: 'Acknowledged' }],
        text: 'Acknowledged by the care team',
      },
      date: a.acknowledgedAt.toISOString(),
      ...(a.acknowledgedBy ? { author: practitioner(a.acknowledgedBy) } : {}),
    });
  }
  if (a.state === 'resolved' && a.resolvedAt) {
    out.push({
      action: {
        coding: [{ system: ALERT_ACTION_CODE_SYSTEM, code: 'resolved', display: 'Resolved' }],
        text: a.resolutionReason ?? 'Resolved',
      },
      date: a.resolvedAt.toISOString(),
      ...(a.resolvedBy ? { author: practitioner(a.resolvedBy) } : {}),
    });
  }
  return out;
}

/** An alert as a DetectedIssue. */
export function toDetectedIssue(a: FhirAlert): DetectedIssue {
  const status = detectedIssueStatus(a.evidence);
  // The results it stands on: those still standing, or, when all were withdrawn, what it was raised on.
  const live = a.evidence.filter((e) => !e.retracted);
  const evidence = status === 'entered-in-error' ? a.evidence : live;
  const patient = patientOf(a);
  const mitigation = mitigations(a);
  return {
    resourceType: 'DetectedIssue',
    id: a.id,
    meta: { lastUpdated: a.updatedAt.toISOString() },
    identifier: [{ system: ALERT_REFERENCE_SYSTEM, value: a.reference }],
    status,
    code: {
      coding: [{ system: RULE_CODE_SYSTEM, code: a.ruleId, display: a.ruleTitle }],
      text: a.ruleTitle,
    },
    severity: SEVERITY[a.severity],
    ...(patient ? { patient } : {}),
    identifiedDateTime: a.openedAt.toISOString(),
    author: { type: 'Device', display: `Alemtuzumab lab-result safety alerts, rules ${a.ruleSetVersion}` },
    ...(a.indication ? { implicated: [{ display: PRODUCT[a.indication] }] } : {}),
    ...(evidence.length > 0
      ? { evidence: evidence.map((e) => ({ detail: [{ reference: `Observation/${e.resultId}` }] })) }
      : {}),
    ...(a.summary ? { detail: a.summary } : {}),
    ...(mitigation.length > 0 ? { mitigation } : {}),
  };
}

/**
 * The alert's acknowledgement as a Task (id: the alert's). `requested` while nobody has taken the alert (again,
 * after a reopening), `completed` once a person acknowledged it, `cancelled` when it was resolved without one.
 */
export function toAcknowledgementTask(a: FhirAlert): Task {
  const status: Task['status'] = a.acknowledgedAt
    ? 'completed'
    : a.state === 'resolved'
      ? 'cancelled'
      : 'requested';
  const patient = patientOf(a);
  const owner: Reference<Practitioner | CareTeam> | undefined = a.acknowledgedBy
    ? practitioner(a.acknowledgedBy)
    : a.careTeamId
      ? { reference: `CareTeam/${a.careTeamId}` }
      : undefined;
  return {
    resourceType: 'Task',
    id: a.id,
    meta: { lastUpdated: a.updatedAt.toISOString() },
    status,
    intent: 'order',
    priority: TASK_PRIORITY[a.severity],
    code: {
      coding: [{ system: ALERT_ACTION_CODE_SYSTEM, code: 'acknowledge', display: 'Acknowledge the alert' }],
    },
    focus: { reference: `DetectedIssue/${a.id}` },
    ...(patient ? { for: patient } : {}),
    authoredOn: a.openedAt.toISOString(),
    lastModified: (a.acknowledgedAt ?? a.resolvedAt ?? a.updatedAt).toISOString(),
    ...(owner ? { owner } : {}),
    ...(a.acknowledgedAt ? { executionPeriod: { end: a.acknowledgedAt.toISOString() } } : {}),
  };
}

/** A page of search results (`base`: where the resources are read, `/…/fhir/R4`). */
export function searchsetBundle(input: {
  base: string;
  matches: readonly FhirAlert[];
  /** `_revinclude=Task:focus`: each match's acknowledgement Task, as included entries. */
  includeTasks: boolean;
  total: number;
  /** The search's URL with every parameter but `_offset` (for the paging links). */
  selfUrl: (offset: number) => string;
  offset: number;
  count: number;
}): Bundle<DetectedIssue | Task> {
  const { base, matches, total, offset, count } = input;
  const link: BundleLink[] = [{ relation: 'self', url: input.selfUrl(offset) }];
  if (offset + matches.length < total) link.push({ relation: 'next', url: input.selfUrl(offset + count) });
  if (offset > 0) link.push({ relation: 'previous', url: input.selfUrl(Math.max(0, offset - count)) });
  const entry: BundleEntry<DetectedIssue | Task>[] = matches.map((a) => ({
    fullUrl: `${base}/DetectedIssue/${a.id}`,
    resource: toDetectedIssue(a),
    search: { mode: 'match' },
  }));
  if (input.includeTasks) {
    for (const a of matches) {
      entry.push({
        fullUrl: `${base}/Task/${a.id}`,
        resource: toAcknowledgementTask(a),
        search: { mode: 'include' },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'searchset', total, link, entry };
}
