import { type LabResultEvent } from '@alem/events';
import { idempotencyKey, observationKey, toNewResult } from './result-record';

const event: LabResultEvent = {
  schema: 'lab-result.v1',
  patient: { id: 'MRN1', authority: 'HOSP' },
  sender: { application: 'LIS', facility: 'LAB' },
  messageControlId: 'MSG-1',
  observation: { code: '777-3', system: 'LN', orderId: 'ORD-1' },
  valueType: 'NM',
  value: 0.15,
  unit: '/uL',
  referenceRange: '150000-400000',
  status: 'final',
  observedAt: '2026-11-20T08:15:00+01:00',
};

describe('result record keys', () => {
  it('gives a resent message the same idempotency key, and a new message control id a new one', () => {
    expect(idempotencyKey('p1', { ...event })).toBe(idempotencyKey('p1', event));
    expect(idempotencyKey('p1', { ...event, messageControlId: 'MSG-2' })).not.toBe(
      idempotencyKey('p1', event),
    );
  });

  it('keeps the observation key of a correction, so it can supersede what it corrects', () => {
    const correction = { ...event, messageControlId: 'MSG-9', status: 'corrected' as const, value: 0.2 };
    expect(observationKey('p1', correction)).toBe(observationKey('p1', event));
    expect(observationKey('p1', { ...event, observation: { ...event.observation, subId: '2' } })).not.toBe(
      observationKey('p1', event),
    );
    expect(observationKey('p2', event)).not.toBe(observationKey('p1', event));
  });

  it('identifies a specimen by its time when the lab sends no order number', () => {
    const noOrder = { ...event, observation: { code: '777-3', system: 'LN' } };
    expect(observationKey('p1', noOrder)).not.toBe(
      observationKey('p1', { ...noOrder, observedAt: '2026-11-21T08:15:00+01:00' }),
    );
  });
});

describe('toNewResult', () => {
  it('keeps the original value, unit and range next to the canonical ones', () => {
    const row = toNewResult(
      { ...event, value: 85000, referenceRange: '150000-400000' },
      'p1',
      { topic: 't', partition: 3, offset: '42' },
      new Date('2026-11-20T09:00:00Z'),
    );
    expect(row).toMatchObject({
      analyte: 'platelets',
      valueOriginal: '85000',
      unitOriginal: '/uL',
      rangeOriginal: '150000-400000',
      value: 85,
      unit: '10*9/L',
      rangeLow: 150,
      rangeHigh: 400,
      rangeSource: 'lab',
      quality: 'ok',
      sourcePartition: 3,
      sourceOffset: '42',
      receivedAt: new Date('2026-11-20T09:00:00Z'),
      observedAt: new Date('2026-11-20T07:15:00Z'),
    });
  });
});

describe('toNewResult: the comparator the normaliser read (issue 12, PLT-4)', () => {
  const at = { topic: 't', partition: 0, offset: '1' };
  const now = new Date('2026-11-20T09:00:00Z');

  it('stores the comparator of a text value (ST "<25"), not the event\'s (none), so PLT-4 sees "below 25"', () => {
    const row = toNewResult({ ...event, valueType: 'ST', value: '<25', unit: '10*9/L' }, 'p1', at, now);
    expect(row).toMatchObject({ value: 25, comparator: '<', valueOriginal: '<25', quality: 'ok' });
    expect(row.qualityFlags).toContain('value-from-text');
  });

  it.each([
    ['≤25', '<='],
    ['>= 400', '>='],
  ])('reads %s in text as the comparator %s', (text, comparator) => {
    expect(
      toNewResult({ ...event, valueType: 'ST', value: text, unit: '10*9/L' }, 'p1', at, now).comparator,
    ).toBe(comparator);
  });

  it('keeps an SN comparator, and stores none for a plain number', () => {
    expect(
      toNewResult({ ...event, valueType: 'SN', value: 25, comparator: '<', unit: '10*9/L' }, 'p1', at, now)
        .comparator,
    ).toBe('<');
    expect(toNewResult({ ...event, value: 25, unit: '10*9/L' }, 'p1', at, now).comparator).toBeNull();
  });
});
