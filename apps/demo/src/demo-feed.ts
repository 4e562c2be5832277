import { labResultKey, type LabResultEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, type OutboundMessage } from '@alem/messaging';

/** The demo's sample feed: what a lab would send over an hour, for an enrolled patient and others. */

/** The demo's lab, registered as a sender by its address (127.0.0.1). */
export const DEMO_LAB = { application: 'LIS', facility: 'CENTRAL-LAB' };
const sender = DEMO_LAB;
let sequence = 0;

function event(
  patient: LabResultEvent['patient'],
  code: string,
  value: number,
  unit: string,
  range: string,
  observedAt: string,
  display: string,
): LabResultEvent {
  sequence++;
  return {
    schema: 'lab-result.v1',
    patient,
    sender,
    messageControlId: `DEMO-${String(sequence).padStart(4, '0')}`,
    observation: { code, system: 'LN', display, orderId: `ORD-${String(sequence).padStart(4, '0')}` },
    valueType: 'NM',
    value,
    unit,
    referenceRange: range,
    status: 'final',
    observedAt,
  };
}

function message(e: LabResultEvent): OutboundMessage {
  return {
    key: labResultKey(e.patient),
    value: JSON.stringify(e),
    headers: { [HEADERS.contentType]: CONTENT_TYPES.labResultJson },
  };
}

export const DEMO_PATIENT = { id: 'MRN-100234', authority: 'UNIVERSITY-HOSPITAL' };
export const OTHER_PATIENT = { id: 'MRN-555001', authority: 'UNIVERSITY-HOSPITAL' };

export interface DemoFeedItem {
  note: string;
  message: OutboundMessage;
}

export function demoFeed(): DemoFeedItem[] {
  const day = (d: string, t: string) => `2026-11-${d}T${t}:00+01:00`;
  return [
    {
      note: 'monthly CBC: platelets normal',
      message: message(
        event(DEMO_PATIENT, '777-3', 212, '10*9/L', '150-400', day('02', '08:10'), 'Platelets'),
      ),
    },
    {
      note: 'monthly CBC: neutrophils normal',
      message: message(
        event(DEMO_PATIENT, '751-8', 3.4, '10*9/L', '1.8-7.7', day('02', '08:10'), 'Neutrophils'),
      ),
    },
    {
      note: 'creatinine normal',
      message: message(
        event(DEMO_PATIENT, '2160-0', 0.82, 'mg/dL', '0.5-1.1', day('02', '08:10'), 'Creatinine'),
      ),
    },
    {
      note: 'platelets 88 ×10⁹/L (below 100: PLT-3 critical)',
      message: message(
        event(DEMO_PATIENT, '777-3', 88, '10*9/L', '150-400', day('19', '07:45'), 'Platelets'),
      ),
    },
    {
      note: 'platelets 41 ×10⁹/L three days later (below 50: PLT-4 critical)',
      message: message(event(DEMO_PATIENT, '777-3', 41, 'K/uL', '150-400', day('22', '07:50'), 'Platelets')),
    },
    {
      note: 'another patient, not enrolled (dropped, counted)',
      message: message(
        event(OTHER_PATIENT, '777-3', 35, '10*9/L', '150-400', day('22', '08:00'), 'Platelets'),
      ),
    },
    {
      note: 'a malformed event (dead-lettered with its reason)',
      message: {
        key: labResultKey(DEMO_PATIENT),
        value: JSON.stringify({ schema: 'lab-result.v1', patient: DEMO_PATIENT, value: 'n/a' }),
        headers: { [HEADERS.contentType]: CONTENT_TYPES.labResultJson },
      },
    },
  ];
}

export interface DemoHl7Item {
  note: string;
  controlId: string;
  /** HL7 v2 text, segments joined with `\r`. */
  message: string;
  /** Results the processor stores from it (0 when the gateway refuses it). */
  results: number;
}

/** One ORU^R01 (v2.5.1) from the demo lab about `patient`: one order, NM results, observed at `at`. */
function oru(
  controlId: string,
  patient: { id: string; authority: string } | null,
  at: string,
  observations: Array<
    [code: string, display: string, value: string, unit: string, range: string, flag: string]
  >,
): string {
  const pid = patient ? `${patient.id}^^^${patient.authority}^MR` : 'MRN-100234';
  return [
    `MSH|^~\\&|${sender.application}|${sender.facility}|ALEMALERT|SAFETY|${at}||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
    `PID|1||${pid}||Patient^Demo||19840517|F`,
    `OBR|1||FL-${controlId}|58410-2^CBC panel^LN|||${at}`,
    ...observations.map(
      ([code, display, value, unit, range, flag], i) =>
        `OBX|${i + 1}|NM|${code}^${display}^LN||${value}|${unit}|${range}|${flag}|||F|||${at}`,
    ),
  ].join('\r');
}

/** What the demo lab sends over MLLP through the ingest gateway, and the answer each should get. */
export function demoHl7Feed(): DemoHl7Item[] {
  return [
    {
      note: 'monthly CBC: platelets 135, lymphocytes 0.6 (expect AA)',
      controlId: 'DEMO-HL7-01',
      message: oru('DEMO-HL7-01', DEMO_PATIENT, '20261125081000+0100', [
        ['777-3', 'Platelets', '135', '10*9/L', '150-400', 'L'],
        ['731-0', 'Lymphocytes', '0.6', '10*9/L', '1.0-4.8', 'L'],
      ]),
      results: 2,
    },
    {
      note: 'thyroid panel: TSH 0.02 mIU/L, free T4 2.9 ng/dL (expect AA; TSH-1 alert)',
      controlId: 'DEMO-HL7-02',
      message: oru('DEMO-HL7-02', DEMO_PATIENT, '20261125081000+0100', [
        ['3016-3', 'TSH', '0.02', 'mIU/L', '0.4-4.0', 'L'],
        ['3024-7', 'Free T4', '2.9', 'ng/dL', '0.9-1.7', 'H'],
      ]),
      results: 2,
    },
    {
      note: 'creatinine and an unreadable haemoglobin (expect AE: 1 of 2 OBX not accepted)',
      controlId: 'DEMO-HL7-03',
      message: oru('DEMO-HL7-03', DEMO_PATIENT, '20261125081000+0100', [
        ['2160-0', 'Creatinine', '0.85', 'mg/dL', '0.5-1.1', ''],
        ['718-7', 'Hemoglobin', 'see note', 'g/dL', '12.0-16.0', ''],
      ]),
      results: 1,
    },
    {
      note: 'a result without the assigning authority in PID-3 (expect AE, dead-lettered)',
      controlId: 'DEMO-HL7-04',
      message: oru('DEMO-HL7-04', null, '20261125081000+0100', [
        ['777-3', 'Platelets', '210', '10*9/L', '150-400', ''],
      ]),
      results: 0,
    },
    {
      note: 'an ADT^A01 sent to the results port (expect AR: type not taken, dead-lettered)',
      controlId: 'DEMO-HL7-05',
      message: [
        `MSH|^~\\&|${sender.application}|${sender.facility}|ALEMALERT|SAFETY|20261125081500+0100||ADT^A01^ADT_A01|DEMO-HL7-05|P|2.5.1`,
        'EVN|A01|20261125081500+0100',
        `PID|1||${DEMO_PATIENT.id}^^^${DEMO_PATIENT.authority}^MR||Patient^Demo||19840517|F`,
      ].join('\r'),
      results: 0,
    },
  ];
}
