import { type LabResultEvent } from '@alem/events';
import { seededRandom } from '@alem/local-stack';
import { CONTENT_TYPES, HEADERS } from '@alem/messaging';

/**
 * The drill's feed: a known stream of results, built before the run so that the ledger can account for every
 * one of them. Half go over MLLP through the ingest gateway as HL7 v2 ORU^R01 (one OBX each), half straight to
 * Kafka as LabResult JSON events (a trusted integration engine's route). Every result is of an enrolled
 * patient, so every one must be stored. A known set of patients ("breaching") get one critical platelet count
 * each (PLT-4: below 50 × 10⁹/L) and nothing else; everyone else gets routine results at the same normal value
 * each time, which no rule can find fault with. About 2 % of the items are exact re-sends of an earlier one (a
 * lab that did not see its ACK), and a few are malformed, on both routes.
 */

export const DRILL_AUTHORITY = 'DRILL-HOSP';
export const DRILL_SENDER = { application: 'LIS', facility: 'DRILL-LAB' } as const;
/** What the Kafka route's events name as their sender (an integration engine of the same hospital). */
export const DRILL_ENGINE = { application: 'ENGINE', facility: 'DRILL-LAB' } as const;
/** The rule every breaching result must open, once (docs/clinical-rules.md PLT-4). */
export const BREACH_RULE = 'PLT-4';

export type Route = 'mllp' | 'kafka';

export interface FeedItem {
  route: Route;
  /** MSH-10 / messageControlId: unique per result, the same on a re-send. */
  controlId: string;
  /** The patient's identifier (authority DRILL_AUTHORITY), or null for a malformed item. */
  patient: string | null;
  breaching: boolean;
  resend: boolean;
  malformed: boolean;
  /** The HL7 v2 text (MLLP) or the JSON text (Kafka). */
  payload: string;
  /** The Kafka message key (Kafka route). */
  key: string;
}

export interface FeedSpec {
  /** Distinct results (re-sends and malformed items come on top). */
  results: number;
  patients: number;
  breaching: number;
  resendShare: number;
  malformed: number;
  seed: number;
}

interface Analyte {
  code: string;
  display: string;
  unit: string;
  range: string;
  value: string;
}

/** Routine analytes, each at one normal value for everybody (LOINC, display, unit, range, value). */
const ROUTINE: readonly Analyte[] = [
  { code: '777-3', display: 'Platelets', unit: '10*9/L', range: '150-400', value: '250' },
  { code: '751-8', display: 'Neutrophils', unit: '10*9/L', range: '1.8-7.7', value: '4.1' },
  { code: '718-7', display: 'Hemoglobin', unit: 'g/dL', range: '12-16', value: '14.0' },
  { code: '6690-2', display: 'Leukocytes', unit: '10*9/L', range: '4-10', value: '6.2' },
  { code: '2160-0', display: 'Creatinine', unit: 'mg/dL', range: '0.5-1.1', value: '0.8' },
  { code: '3016-3', display: 'TSH', unit: 'm[IU]/L', range: '0.4-4.0', value: '2.1' },
  { code: '1742-6', display: 'ALT', unit: 'U/L', range: '7-55', value: '22' },
];

export function patientId(i: number): string {
  return `D${String(i).padStart(6, '0')}`;
}

/** HL7 DTM with offset (UTC), e.g. `20261205081500+0000`. */
function hl7Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}

function oru(controlId: string, patient: string, observedAt: Date, obx: Analyte): string {
  const at = hl7Time(observedAt);
  return [
    `MSH|^~\\&|${DRILL_SENDER.application}|${DRILL_SENDER.facility}|ALEMALERT|SAFETY|${at}||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
    `PID|1||${patient}^^^${DRILL_AUTHORITY}^MR||Drill^Patient||19840517|F`,
    `OBR|1||ORD-${controlId}|58410-2^CBC panel^LN|||${at}`,
    `OBX|1|NM|${obx.code}^${obx.display}^LN||${obx.value}|${obx.unit}|${obx.range}||||F|||${at}`,
  ].join('\r');
}

function jsonEvent(controlId: string, patient: string, observedAt: Date, obx: Analyte): string {
  const event: LabResultEvent = {
    schema: 'lab-result.v1',
    patient: { id: patient, authority: DRILL_AUTHORITY },
    sender: { ...DRILL_ENGINE },
    messageControlId: controlId,
    observation: { code: obx.code, system: 'LN', orderId: `ORD-${controlId}` },
    valueType: 'NM',
    value: Number(obx.value),
    unit: obx.unit,
    referenceRange: obx.range,
    status: 'final',
    observedAt: observedAt.toISOString(),
  };
  return JSON.stringify(event);
}

/** Malformed on each route: what a gateway or a processor must refuse with a reason, never store. */
function malformedPayload(route: Route, n: number, controlId: string): string {
  if (route === 'kafka') {
    return n % 2 === 0
      ? `{"schema":"lab-result.v1","patient":{"id":"broken-${n}"` // cut short: not JSON
      : JSON.stringify({ schema: 'lab-result.v1', messageControlId: controlId, value: 'not a result' });
  }
  // An ORU^R01 whose only OBX has no observation identifier: nothing in it can be taken.
  return [
    `MSH|^~\\&|${DRILL_SENDER.application}|${DRILL_SENDER.facility}|ALEMALERT|SAFETY|20261205080000+0000||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
    `PID|1||${patientId(0)}^^^${DRILL_AUTHORITY}^MR||Drill^Patient||19840517|F`,
    `OBR|1||ORD-${controlId}|58410-2^CBC panel^LN|||20261205080000+0000`,
    `OBX|1|NM|||abc|10*9/L|||||F`,
  ].join('\r');
}

/**
 * The feed, in sending order. Breaching patients are D000000 … (one critical each, spread over the run); the
 * rest of the patients get the routine results. Observation times fall within the two days before `now`, after
 * the patients' course (see drill-setup).
 */
export function buildFeed(spec: FeedSpec, now: Date): FeedItem[] {
  const rnd = seededRandom(spec.seed);
  const items: FeedItem[] = [];
  const firstRoutine = spec.breaching;
  const breachAt = new Map<number, number>();
  for (let k = 0; k < spec.breaching; k++) {
    breachAt.set(Math.floor(((k + 0.5) * spec.results) / spec.breaching), k);
  }
  const start = now.getTime() - 2 * 86_400_000;
  const step = (2 * 86_400_000 - 3_600_000) / Math.max(1, spec.results);
  for (let i = 0; i < spec.results; i++) {
    const route: Route = i % 2 === 0 ? 'mllp' : 'kafka';
    const controlId = `DRILL-${route === 'mllp' ? 'H' : 'J'}${String(i).padStart(7, '0')}`;
    const observedAt = new Date(start + i * step);
    const breach = breachAt.get(i);
    const patientIndex =
      breach ?? firstRoutine + Math.floor(rnd() * Math.max(1, spec.patients - firstRoutine));
    const patient = patientId(patientIndex);
    const obx =
      breach === undefined
        ? ROUTINE[Math.floor(rnd() * ROUTINE.length)]!
        : { ...ROUTINE[0], value: String(26 + (breach % 20)) };
    const payload =
      route === 'mllp'
        ? oru(controlId, patient, observedAt, obx)
        : jsonEvent(controlId, patient, observedAt, obx);
    items.push({
      route,
      controlId,
      patient,
      breaching: breach !== undefined,
      resend: false,
      malformed: false,
      payload,
      key: `${DRILL_AUTHORITY}|${patient}`,
    });
  }
  // Re-sends: an exact copy of an item sent a little earlier, put in after it.
  const resends = Math.round(spec.results * spec.resendShare);
  for (let r = 0; r < resends; r++) {
    const original = items[Math.floor(rnd() * items.length)]!;
    if (original.resend || original.malformed) continue;
    const at = Math.min(items.length, items.indexOf(original) + 1 + Math.floor(rnd() * 400));
    items.splice(at, 0, { ...original, resend: true });
  }
  for (let m = 0; m < spec.malformed; m++) {
    const route: Route = m % 2 === 0 ? 'mllp' : 'kafka';
    const controlId = `DRILL-BAD-${m}`;
    const at = Math.floor(((m + 0.5) * items.length) / spec.malformed);
    items.splice(at, 0, {
      route,
      controlId,
      patient: null,
      breaching: false,
      resend: false,
      malformed: true,
      payload: malformedPayload(route, m, controlId),
      key: `${DRILL_AUTHORITY}|malformed-${m}`,
    });
  }
  return items;
}

/** Kafka headers of a JSON event, as an integration engine writes them. */
export const JSON_HEADERS = { [HEADERS.contentType]: CONTENT_TYPES.labResultJson };
