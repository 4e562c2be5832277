import {
  type AlertMessageFields,
  renderAlertEmail,
  renderAlertSms,
  renderSummaryEmail,
  renderSummarySms,
  type SummaryMessageFields,
} from './alert-message.template';
import { type DigestMessageFields, renderDigestEmail } from './digest.template';
import {
  renderVerificationEmail,
  renderVerificationSms,
  type VerificationMessageFields,
} from './verification.template';

const fields: AlertMessageFields = {
  severity: 'critical',
  emergency: false,
  reference: 'K7Q2-9XMA',
  link: 'https://alerts.example.org/alerts/K7Q2-9XMA',
  reason: 'opened',
  acknowledgeLink: 'https://alerts.example.org/acknowledgements/AbCdEfGh',
};
const summary: SummaryMessageFields = {
  count: 7,
  critical: 3,
  link: 'https://alerts.example.org/alerts?state=open',
};
const digest: DigestMessageFields = { count: 4, link: 'https://alerts.example.org/alerts?severity=info' };
const verification: VerificationMessageFields = { code: '482913', expiresInHours: 24 };

/** Everything a template may read. A field that could carry PHI has no business on this list. */
const ALLOWED_FIELDS = new Set([
  'severity',
  'emergency',
  'reference',
  'link',
  'reason',
  'acknowledgeLink',
  'unreachable',
  'count',
  'critical',
  'code',
  'expiresInHours',
]);
/** What a PHI field would be called: none may ever be read by a template. */
const PHI_NAME =
  /name|mrn|identifier|birth|dob|value|unit|analyte|test|result|patient|loinc|observ|sex|address|phone/i;

/** Every renderer, with valid fields and its output as one string. */
const RENDERERS: Array<{ name: string; fields: object; render: (f: never) => unknown }> = [
  { name: 'alert email', fields, render: renderAlertEmail as (f: never) => unknown },
  { name: 'alert SMS', fields, render: renderAlertSms as (f: never) => unknown },
  { name: 'summary email', fields: summary, render: renderSummaryEmail as (f: never) => unknown },
  { name: 'summary SMS', fields: summary, render: renderSummarySms as (f: never) => unknown },
  { name: 'digest email', fields: digest, render: renderDigestEmail as (f: never) => unknown },
  {
    name: 'verification email',
    fields: verification,
    render: renderVerificationEmail as (f: never) => unknown,
  },
  { name: 'verification SMS', fields: verification, render: renderVerificationSms as (f: never) => unknown },
];

const text = (out: unknown) => (typeof out === 'string' ? out : Object.values(out as object).join('\n'));

const WITH_PHI = {
  patientName: 'Jana Nováková',
  displayName: 'Jana Nováková',
  mrn: 'MRN-4471',
  identifier: 'HOSP|MRN-4471',
  birthDate: '1984-05-17',
  value: '22 10*9/L',
  unit: '10*9/L',
  analyte: 'platelets',
  test: 'Platelet count',
  loinc: '777-3',
};

describe('message templates carry no PHI', () => {
  it.each(RENDERERS)('$name reads only its own PHI-free fields', ({ fields: f, render }) => {
    const read = new Set<string>();
    const spy = new Proxy(
      { ...f, ...WITH_PHI },
      {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver) as unknown;
        },
      },
    );
    render(spy as never);
    for (const key of read) {
      expect({ key, allowed: ALLOWED_FIELDS.has(key) }).toEqual({ key, allowed: true });
    }
    for (const key of ALLOWED_FIELDS) expect(PHI_NAME.test(key)).toBe(false);
  });

  it.each(RENDERERS)(
    '$name renders nothing of a name, identifier, birth date, test or value',
    ({ fields: f, render }) => {
      const plain = text(render(f as never));
      const withPhi = text(render({ ...f, ...WITH_PHI } as never));
      expect(withPhi).toBe(plain);
      for (const phi of Object.values(WITH_PHI)) expect(withPhi).not.toContain(phi);
    },
  );
});

describe('alert messages', () => {
  it('say severity, reference, the sign-in link and the acknowledgement link', () => {
    const email = renderAlertEmail(fields);
    expect(email.subject).toBe('[CRITICAL] Lab safety alert K7Q2-9XMA needs review');
    expect(email.text).toContain('Reference: K7Q2-9XMA');
    expect(email.text).toContain('https://alerts.example.org/alerts/K7Q2-9XMA');
    expect(email.text).toContain('https://alerts.example.org/acknowledgements/AbCdEfGh');
    expect(email.html).toContain('href="https://alerts.example.org/alerts/K7Q2-9XMA"');
    expect(renderAlertSms(fields)).toBe(
      'CRITICAL lab safety alert K7Q2-9XMA needs review. Acknowledge (sign-in): https://alerts.example.org/acknowledgements/AbCdEfGh',
    );
  });

  it('mark emergencies, severity raises, escalations and nobody-reachable alerts', () => {
    expect(renderAlertEmail({ ...fields, emergency: true, reason: 'severity-raised' }).subject).toBe(
      '[CRITICAL (EMERGENCY)] Lab safety alert K7Q2-9XMA has become more severe',
    );
    expect(renderAlertEmail({ ...fields, reason: 'escalated' }).subject).toBe(
      '[CRITICAL] Lab safety alert K7Q2-9XMA is still not acknowledged',
    );
    expect(renderAlertSms({ ...fields, unreachable: true, acknowledgeLink: null })).toBe(
      'CRITICAL lab safety alert K7Q2-9XMA could not reach anybody on the care team. Open (sign-in): https://alerts.example.org/alerts/K7Q2-9XMA',
    );
  });

  it('keep a text within two SMS segments', () => {
    expect(renderAlertSms({ ...fields, emergency: true, reason: 'escalated' }).length).toBeLessThanOrEqual(
      306,
    );
    expect(renderSummarySms(summary).length).toBeLessThanOrEqual(160);
  });
});

describe('summaries, digests and verification messages', () => {
  it('count, and link to the list', () => {
    expect(renderSummarySms(summary)).toBe(
      '7 lab safety alerts need review (3 CRITICAL). Open (sign-in): https://alerts.example.org/alerts?state=open',
    );
    expect(renderSummaryEmail({ ...summary, critical: 0 }).subject).toBe(
      '[Warning] 7 lab safety alerts need review',
    );
    expect(renderDigestEmail(digest).subject).toBe('[Info] Daily digest: 4 informational lab alerts');
    expect(renderVerificationSms(verification)).toContain('482913');
    expect(renderVerificationEmail(verification).text).toContain('within 24 hours');
  });
});
