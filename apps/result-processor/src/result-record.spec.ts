import { type LabResultEvent } from '@alem/events';
import { INSERT_RESULTS_SQL, resultInsertParameters } from '@alem/persistence';
import {
  derivedCountRecord,
  idempotencyKey,
  observationKey,
  toNewResult,
  toPatientResult,
} from './result-record';

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
      range: { low: 150, high: 400, source: 'lab' },
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

describe('a result row, typed from the event to the rule engine', () => {
  const at = { topic: 't', partition: 0, offset: '1' };
  const now = new Date('2026-11-20T09:00:00Z');
  const derived = derivedCountRecord(
    { patientId: 'p1', observedAt: now, orderId: 'ORD-1', sender: 'LIS^LAB', messageControlId: 'MSG-2' },
    {
      analyte: 'neutrophils',
      value: 0.3,
      comparator: null,
      status: 'final',
      range: { low: 1.5, high: null, source: 'fallback' },
      fromResultIds: ['11', '12'],
      text: 'ANC 0.3 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and neutrophils 20 %',
    },
    now,
  );

  it('becomes SQL parameters in the repository: lists as comma-separated text, an empty one as NULL', () => {
    const flagged = toNewResult(
      { ...event, valueType: 'ST', value: '<25', flags: ['L', 'A'] },
      'p1',
      at,
      now,
    );
    const plain = toNewResult({ ...event, flags: [] }, 'p1', at, now);
    const parameters = resultInsertParameters([flagged, plain, derived]);
    const names = /INSERT INTO results \(([^)]*)\)/.exec(INSERT_RESULTS_SQL)![1]!.split(', ');
    const column = (name: string) => parameters[names.indexOf(name)];
    expect(column('abnormal_flags')).toEqual(['L,A', null, null]);
    expect(column('quality_flags')).toEqual(['value-from-text', null, 'derived']);
    expect(column('derived_from')).toEqual([null, null, '11,12']);
    expect(column('derivation')).toEqual([null, null, derived.derivation!.text]);
    expect([column('range_low'), column('range_high'), column('range_source')]).toEqual([
      [150, 150, 1.5],
      [400, 400, null],
      ['lab', 'lab', 'fallback'],
    ]);
  });

  it('reaches the rule engine with its domain values as they were, quality flags only when there are some', () => {
    const text = toPatientResult(
      toNewResult({ ...event, valueType: 'ST', value: '<25' }, 'p1', at, now),
      '7',
    );
    expect(text).toMatchObject({
      resultId: '7',
      comparator: '<',
      text: '<25',
      qualityFlags: ['value-from-text'],
    });
    const plain = toPatientResult(toNewResult(event, 'p1', at, now), '8');
    expect(plain).toMatchObject({ status: 'final', analyte: 'platelets', text: null, derivation: null });
    expect(plain).not.toHaveProperty('qualityFlags');
    expect(toPatientResult(derived, '9')).toMatchObject({
      qualityFlags: ['derived'],
      derivation: { text: derived.derivation!.text, fromResultIds: ['11', '12'] },
      range: { low: 1.5, high: null, source: 'fallback' },
    });
  });
});
