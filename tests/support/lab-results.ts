import { randomBytes } from 'node:crypto';
import { labResultKey, type LabResultEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, type OutboundMessage } from '@alem/messaging';

let counter = 0;

/** A valid lab-result.v1 event with sensible defaults: a final platelet count of 220 ×10⁹/L. */
export function labResult(
  overrides: Partial<LabResultEvent> & { patient?: LabResultEvent['patient'] } = {},
): LabResultEvent {
  counter++;
  return {
    schema: 'lab-result.v1',
    patient: { id: 'MRN1001', authority: 'HOSP' },
    sender: { application: 'LIS', facility: 'CENTRAL-LAB' },
    messageControlId: `MSG-${Date.now()}-${counter}-${randomBytes(2).toString('hex')}`,
    observation: { code: '777-3', system: 'LN', display: 'Platelets', orderId: `ORD-${counter}` },
    valueType: 'NM',
    value: 220,
    unit: '10*9/L',
    referenceRange: '150-400',
    status: 'final',
    observedAt: '2026-11-20T08:15:00+01:00',
    ...overrides,
  };
}

export function asMessage(event: LabResultEvent): OutboundMessage {
  return {
    key: labResultKey(event.patient),
    value: JSON.stringify(event),
    headers: { [HEADERS.contentType]: CONTENT_TYPES.labResultJson },
  };
}
