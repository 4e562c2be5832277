import { MEDICATION_ADMINISTRATION_CONTENT_TYPE, type MedicationAdministrationEvent } from '@alem/events';
import { HEADERS, type InboundMessage } from '@alem/messaging';
import { administrationKey, decodeAdministration, looksLikeAlemtuzumab } from './administration-decoder';

const event: MedicationAdministrationEvent = {
  schema: 'medication-administration.v1',
  patient: { id: '4711', authority: 'CITYHOSP' },
  sender: { application: 'PHARMSYS', facility: 'STMARYS' },
  messageControlId: 'RAS-0001',
  administration: {
    id: 'FIL-5001|0|1',
    status: 'given',
    evidence: 'administered',
    at: '2024-03-04T09:15:00-05:00',
    doseMg: 12,
    medication: { code: '117055', system: 'RXNORM', display: 'alemtuzumab' },
  },
  location: 'INFUSION',
};

const message = (value: unknown, headers: Record<string, string> = {}): InboundMessage => ({
  topic: 'medication.administrations.v1',
  partition: 0,
  offset: '0',
  key: null,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: { [HEADERS.contentType]: MEDICATION_ADMINISTRATION_CONTENT_TYPE, ...headers },
  timestamp: 0,
});

describe('decodeAdministration', () => {
  it('takes a valid event, named by the sender in its body when no gateway authenticated one', () => {
    expect(decodeAdministration(message(event))).toEqual({ ok: true, event, sender: 'PHARMSYS^STMARYS' });
  });

  it('names the sender the gateway authenticated, whatever the body says', () => {
    const decoded = decodeAdministration(
      message(event, { [HEADERS.authenticatedSender]: 'PHARMACY^ST-MARYS' }),
    );
    expect(decoded).toMatchObject({
      ok: true,
      sender: 'PHARMACY^ST-MARYS',
      event: { sender: { application: 'PHARMACY', facility: 'ST-MARYS' } },
    });
  });

  it.each([
    [
      'a broken authenticated-sender header',
      message(event, { [HEADERS.authenticatedSender]: 'A^B^C' }),
      'invalid authenticated-sender header',
    ],
    [
      'another content type',
      message(event, { [HEADERS.contentType]: 'application/hl7-v2' }),
      'unsupported content-type application/hl7-v2',
    ],
    ['bytes that are not JSON', message('{"schema":'), 'invalid JSON'],
    [
      'an event outside the contract',
      message({ ...event, administration: { ...event.administration, status: 'done' } }),
      'administration.status',
    ],
    [
      'a given administration without a day or an instant',
      message({ ...event, administration: { ...event.administration, at: undefined } }),
      'needs a day or an instant',
    ],
  ])('refuses %s with the reason (dead-lettered)', (_what, input, reason) => {
    const decoded = decodeAdministration(input);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toContain(reason);
  });
});

describe('looksLikeAlemtuzumab', () => {
  it('sees the name or a brand in the code or its display, and nothing in another drug', () => {
    expect(looksLikeAlemtuzumab({ code: 'LEM12', system: 'L', display: 'Lemtrada 12 mg infusion' })).toBe(
      true,
    );
    expect(looksLikeAlemtuzumab({ code: 'CAMPATH30', system: 'L' })).toBe(true);
    expect(looksLikeAlemtuzumab({ code: '313782', system: 'RXNORM', display: 'acetaminophen 325 MG' })).toBe(
      false,
    );
  });
});

describe('administrationKey', () => {
  it('is one per sender, message, administration and status: a withdrawal is a record of its own', () => {
    const given = administrationKey('PHARMSYS^STMARYS', event);
    const withdrawn = administrationKey('PHARMSYS^STMARYS', {
      ...event,
      administration: { ...event.administration, status: 'entered-in-error' },
    });
    expect(given).toBe('PHARMSYS^STMARYS|RAS-0001|FIL-5001|0|1|given');
    expect(withdrawn).not.toBe(given);
  });
});
