import { readFileSync } from 'node:fs';
import path from 'node:path';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'hl7');

/** A message of the corpus in tests/fixtures/hl7, as written (segments joined with `\r`). */
export function hl7Fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name.endsWith('.hl7') ? name : `${name}.hl7`), 'utf8');
}

/**
 * A corpus message made to look like a new one from another lab or about another patient: MSH-10 replaced,
 * and optionally MSH-3/4 and the first PID-3 (written as `<id>^^^<authority>^MR`). Only messages in the
 * standard encoding (`|^~\&`) are supported.
 */
export function retarget(
  message: string,
  changes: {
    controlId: string;
    sender?: { application: string; facility: string };
    patient?: { id: string; authority: string };
  },
): string {
  return message
    .split('\r')
    .map((segment) => {
      const fields = segment.split('|');
      if (fields[0] === 'MSH') {
        fields[9] = changes.controlId;
        if (changes.sender) {
          fields[2] = changes.sender.application;
          fields[3] = changes.sender.facility;
        }
      } else if (fields[0] === 'PID' && changes.patient) {
        fields[3] = `${changes.patient.id}^^^${changes.patient.authority}^MR`;
      }
      return fields.join('|');
    })
    .join('\r');
}

export interface Observation {
  code: string;
  display: string;
  value: string;
  unit: string;
  range: string;
  flag?: string;
  /** OBX-2; NM unless given (`ST` for a number a lab writes as text, `<25`). */
  valueType?: string;
}

/** A small ORU^R01 (v2.5.1) for one patient: one OBR and its OBX, all final, observed at `observedAt`. */
export function oruR01(options: {
  controlId: string;
  patient: { id: string; authority: string };
  sender?: { application: string; facility: string };
  /** HL7 DTM with offset, e.g. `20261120081500+0100`. */
  observedAt: string;
  orderId?: string;
  observations: Observation[];
}): string {
  const sender = options.sender ?? { application: 'LIS', facility: 'CENTRAL-LAB' };
  const order = options.orderId ?? `ORD-${options.controlId}`;
  return [
    `MSH|^~\\&|${sender.application}|${sender.facility}|ALEMALERT|SAFETY|${options.observedAt}||ORU^R01^ORU_R01|${options.controlId}|P|2.5.1`,
    `PID|1||${options.patient.id}^^^${options.patient.authority}^MR||Testova^Jana||19840517|F`,
    `OBR|1||${order}|58410-2^CBC panel^LN|||${options.observedAt}`,
    ...options.observations.map(
      (o, i) =>
        `OBX|${i + 1}|${o.valueType ?? 'NM'}|${o.code}^${o.display}^LN||${o.value}|${o.unit}|${o.range}|${o.flag ?? ''}|||F|||${options.observedAt}`,
    ),
  ].join('\r');
}

export const PLATELETS = (value: string, flag = ''): Observation => ({
  code: '777-3',
  display: 'Platelets',
  value,
  unit: '10*9/L',
  range: '150-400',
  flag,
});
