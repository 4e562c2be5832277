import { type Severity } from '@alem/clinical';

/**
 * Everything an alert message may say. There is deliberately no field for a name, identifier, birth date,
 * test or value: the type makes it impossible to render PHI into an email or SMS, and a test pins that the
 * output is built only from these fields.
 */
export interface AlertMessageFields {
  severity: Severity;
  emergency: boolean;
  /** The short alert reference, e.g. `K7Q2-9XMA`. */
  reference: string;
  /** Where an authenticated clinician opens the alert. */
  link: string;
  reason: 'opened' | 'severity-raised' | 'escalated' | string;
  /** The signed, single-use, expiring acknowledgement link (sign-in still required). */
  acknowledgeLink?: string | null;
  /** The alert is about nobody being reachable for another alert (kind `unreachable`). */
  unreachable?: boolean;
}

/** Several alerts for one person in one message (a flood, a group of warnings): a count and a link. */
export interface SummaryMessageFields {
  count: number;
  critical: number;
  /** Where the person signs in and sees their open alerts. */
  link: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const LABEL: Record<Severity, string> = { info: 'Info', warning: 'Warning', critical: 'CRITICAL' };
const NO_DETAILS =
  'This message deliberately carries no patient details. Please acknowledge the alert once you have reviewed it.';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function levelOf(fields: Pick<AlertMessageFields, 'severity' | 'emergency'>): string {
  return fields.emergency ? 'CRITICAL (EMERGENCY)' : LABEL[fields.severity];
}

function whatOf(fields: AlertMessageFields): string {
  if (fields.unreachable) return 'could not reach anybody on the care team';
  if (fields.reason === 'severity-raised') return 'has become more severe';
  if (fields.reason === 'escalated') return 'is still not acknowledged';
  return 'needs review';
}

export function renderAlertEmail(fields: AlertMessageFields): RenderedEmail {
  const level = levelOf(fields);
  const what = whatOf(fields);
  const subject = `[${level}] Lab safety alert ${fields.reference} ${what}`;
  const ack = fields.acknowledgeLink ?? null;
  const lines = [
    `A ${level.toLowerCase()} lab safety alert ${what}.`,
    '',
    `Reference: ${fields.reference}`,
    `Open it (sign-in required): ${fields.link}`,
    ...(ack ? [`Acknowledge it (sign-in required; the link works once): ${ack}`] : []),
    '',
    NO_DETAILS,
  ];
  const html = `<p>A <strong>${escapeHtml(level.toLowerCase())}</strong> lab safety alert ${what}.</p>
<p>Reference: <strong>${escapeHtml(fields.reference)}</strong></p>
<p><a href="${escapeHtml(fields.link)}">Open the alert</a> (sign-in required).</p>
${ack ? `<p><a href="${escapeHtml(ack)}">Acknowledge the alert</a> (sign-in required; the link works once).</p>\n` : ''}<p>${NO_DETAILS}</p>`;
  return { subject, text: lines.join('\n'), html };
}

/** One text: level, reference, what happened, and the acknowledgement link (or the alert's). */
export function renderAlertSms(fields: AlertMessageFields): string {
  const level = fields.emergency ? 'CRITICAL EMERGENCY' : LABEL[fields.severity].toUpperCase();
  const link = fields.acknowledgeLink ?? fields.link;
  const verb = fields.acknowledgeLink ? 'Acknowledge' : 'Open';
  return `${level} lab safety alert ${fields.reference} ${whatOf(fields)}. ${verb} (sign-in): ${link}`;
}

function summaryLine(fields: SummaryMessageFields): string {
  const count = Math.max(0, Math.trunc(fields.count));
  const critical = Math.max(0, Math.min(count, Math.trunc(fields.critical)));
  const alerts = count === 1 ? '1 lab safety alert needs' : `${count} lab safety alerts need`;
  return critical > 0 ? `${alerts} review (${critical} CRITICAL)` : `${alerts} review`;
}

export function renderSummaryEmail(fields: SummaryMessageFields): RenderedEmail {
  const line = summaryLine(fields);
  const level = fields.critical > 0 ? 'CRITICAL' : 'Warning';
  const subject = `[${level}] ${line}`;
  const text = [
    `${line}.`,
    '',
    'Several alerts were collected into this one message so that you are not sent one per alert.',
    `Open your alerts (sign-in required): ${fields.link}`,
    '',
    NO_DETAILS,
  ].join('\n');
  const html = `<p><strong>${escapeHtml(line)}</strong>.</p>
<p>Several alerts were collected into this one message so that you are not sent one per alert.</p>
<p><a href="${escapeHtml(fields.link)}">Open your alerts</a> (sign-in required).</p>
<p>${NO_DETAILS}</p>`;
  return { subject, text, html };
}

export function renderSummarySms(fields: SummaryMessageFields): string {
  return `${summaryLine(fields)}. Open (sign-in): ${fields.link}`;
}
