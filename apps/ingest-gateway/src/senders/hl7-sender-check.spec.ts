import { type SenderCredentials } from '@alem/access';
import { type Hl7Header } from '@alem/hl7';
import { hl7SenderCheck, type SenderCheckedParse } from './hl7-sender-check';

const PHARMACY: SenderCredentials = {
  sender: 'PHARMSYS^ACME-HOSP',
  authorities: ['HOSP'],
  certificateFingerprints: [],
  sourceAddresses: ['10.1.2.0/24'],
};
const LAB: SenderCredentials = { ...PHARMACY, sender: 'LIS^ACME-LAB', authorities: ['HOSP', 'CITYHOSP'] };

const header = (application: string, facility: string) =>
  ({ sender: { application, facility } }) as Pick<Hl7Header, 'sender'>;
const about = (authority: string) => ({ patient: { id: 'X1', authority } });

/** The two readers' answers, reduced to what the check reads: OBX of an ORU, RXA of a RAS. */
const parses: Array<[string, (authority: string, refusedAuthority?: string) => SenderCheckedParse]> = [
  [
    'ORU^R01',
    (authority, refusedAuthority) => ({
      ok: true,
      header: header('PHARMSYS', 'ACME-HOSP'),
      events: [{ ...about(authority), observation: { code: '777-3' } }],
      refused: refusedAuthority ? [{ position: 2, ...about(refusedAuthority), reason: 'OBX 2: …' }] : [],
    }),
  ],
  [
    'RAS^O17',
    (authority, refusedAuthority) => ({
      ok: true,
      header: header('PHARMSYS', 'ACME-HOSP'),
      events: [{ ...about(authority), administration: { id: 'FIL-1|0|1' } }],
      refused: refusedAuthority ? [{ position: 2, ...about(refusedAuthority), reason: 'RXA 2: …' }] : [],
    }),
  ],
];

describe.each(parses)('hl7SenderCheck of an %s parse', (_type, parse) => {
  it('takes a message from the authenticated sender for its authority, in any HD form', () => {
    expect(hl7SenderCheck([LAB, PHARMACY], parse('HOSP'))).toEqual({ ok: true, sender: PHARMACY });
    expect(hl7SenderCheck([PHARMACY], parse('HOSP&1.2.3&ISO'))).toMatchObject({ ok: true });
  });

  it('refuses a message whose MSH-3^4 is not the authenticated sender', () => {
    expect(hl7SenderCheck([LAB], parse('HOSP'))).toEqual({
      ok: false,
      reason: "MSH-3/4 PHARMSYS^ACME-HOSP is not this connection's sender (LIS^ACME-LAB)",
    });
  });

  it('refuses a patient of an authority the sender is not bound to, refused items included', () => {
    expect(hl7SenderCheck([PHARMACY], parse('CITYHOSP'))).toEqual({
      ok: false,
      reason: 'PHARMSYS^ACME-HOSP may not report for assigning authority CITYHOSP',
    });
    expect(hl7SenderCheck([PHARMACY], parse('HOSP', 'OTHERHOSP'))).toEqual({
      ok: false,
      reason: 'PHARMSYS^ACME-HOSP may not report for assigning authority OTHERHOSP',
    });
  });
});

it('checks a message no reader could read on its sender alone', () => {
  const failure: SenderCheckedParse = {
    ok: false,
    reason: 'no PID segment',
    ackCode: 'AE',
    errorCode: '101',
    sender: { application: 'PHARMSYS', facility: 'ACME-HOSP' },
  };
  expect(hl7SenderCheck([PHARMACY], failure)).toEqual({ ok: true, sender: PHARMACY });
  expect(hl7SenderCheck([LAB], failure)).toMatchObject({ ok: false });
  expect(hl7SenderCheck([PHARMACY], { ...failure, sender: undefined })).toMatchObject({
    ok: false,
    reason: expect.stringMatching(/^MSH-3 names no sender/),
  });
});
