import { escapeHtml, type RenderedEmail } from './alert-message.template';

/** A contact point's test message: the code the person types in when signed in, and how long it is good for. */
export interface VerificationMessageFields {
  /** Six digits. */
  code: string;
  expiresInHours: number;
}

const hours = (h: number) => (h === 1 ? '1 hour' : `${Math.max(1, Math.round(h))} hours`);

export function renderVerificationEmail(fields: VerificationMessageFields): RenderedEmail {
  const subject = 'Confirm this address for lab safety alerts';
  const text = [
    `Your confirmation code is ${fields.code}.`,
    '',
    `Sign in to the lab safety alert service and enter it within ${hours(fields.expiresInHours)}.`,
    'Until you do, no alert is sent to this address.',
    'If you did not expect this message, tell your administrator.',
  ].join('\n');
  const html = `<p>Your confirmation code is <strong>${escapeHtml(fields.code)}</strong>.</p>
<p>Sign in to the lab safety alert service and enter it within ${hours(fields.expiresInHours)}. Until you do, no alert is sent to this address.</p>
<p>If you did not expect this message, tell your administrator.</p>`;
  return { subject, text, html };
}

export function renderVerificationSms(fields: VerificationMessageFields): string {
  return `Lab safety alerts: your confirmation code is ${fields.code}. Enter it after signing in, within ${hours(fields.expiresInHours)}.`;
}
