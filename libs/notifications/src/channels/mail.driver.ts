import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * `Message-ID`, stable per delivery (`<delivery id@host>`): a message sent again after a crash (the provider
   * took it, the notifier died before recording it) is one message to mail servers and clients, which fold it.
   */
  messageId?: string;
}

export interface SentReceipt {
  messageId: string | null;
  response: string;
}

/** Sends email. Behind an injectable class so the rest of the notifier never touches SMTP directly. */
export abstract class MailDriver {
  abstract send(email: OutgoingEmail): Promise<SentReceipt>;
  abstract close(): Promise<void>;

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

export interface SmtpSettings {
  url: string;
  from: string;
  tlsRejectUnauthorized: boolean;
}

/** nodemailer over SMTP, pooled; TLS per the URL (`smtps://` or STARTTLS when offered). */
export class SmtpMailDriver extends MailDriver {
  private readonly transporter: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    super();
    this.transporter = nodemailer.createTransport(settings.url, {
      pool: true,
      maxConnections: 5,
      connectionTimeout: 10000,
      greetingTimeout: 10000,
      socketTimeout: 20000,
      tls: { rejectUnauthorized: settings.tlsRejectUnauthorized },
    } as object);
  }

  async send(email: OutgoingEmail): Promise<SentReceipt> {
    const info = await this.transporter.sendMail({ from: this.settings.from, ...email });
    return { messageId: info.messageId ?? null, response: String(info.response ?? '') };
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * Transient (try again later: connection refused, timeouts, SMTP 4xx) or permanent (SMTP 5xx: the address or
 * message is refused; retrying will not help).
 */
export function classifyMailFailure(error: unknown): 'transient' | 'permanent' {
  const e = error as { responseCode?: unknown; code?: unknown };
  if (typeof e?.responseCode === 'number') return e.responseCode >= 500 ? 'permanent' : 'transient';
  if (e?.code === 'EENVELOPE') return 'permanent';
  return 'transient';
}
