import { escapeHtml, type RenderedEmail } from './alert-message.template';

/** The daily digest of informational alerts: how many, and where to see them. */
export interface DigestMessageFields {
  count: number;
  /** Where the person signs in and sees the informational alerts. */
  link: string;
}

export function renderDigestEmail(fields: DigestMessageFields): RenderedEmail {
  const count = Math.max(0, Math.trunc(fields.count));
  const what = count === 1 ? '1 informational lab alert' : `${count} informational lab alerts`;
  const subject = `[Info] Daily digest: ${what}`;
  const text = [
    `${what} opened since the last digest. None of them needs action now.`,
    '',
    `Review them (sign-in required): ${fields.link}`,
    '',
    'This message deliberately carries no patient details.',
  ].join('\n');
  const html = `<p>${escapeHtml(what)} opened since the last digest. None of them needs action now.</p>
<p><a href="${escapeHtml(fields.link)}">Review them</a> (sign-in required).</p>
<p>This message deliberately carries no patient details.</p>`;
  return { subject, text, html };
}
