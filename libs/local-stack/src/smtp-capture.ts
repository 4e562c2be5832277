import { type AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { Inbox } from './inbox';

export interface CapturedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
  raw: string;
  receivedAt: Date;
}

/**
 * An SMTP server in the process that accepts and keeps every message, as a hospital relay would accept it.
 * `failWith()` makes it refuse mail (a relay that is down or rejecting) until `accept()` again.
 */
export class SmtpCapture {
  private readonly inbox = new Inbox<CapturedMail>('mail(s)');
  readonly messages: CapturedMail[] = this.inbox.items;
  private refusal: { code: number; message: string } | null = null;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  static async start(port = 0): Promise<SmtpCapture> {
    let capture: SmtpCapture | null = null;
    const options: SMTPServerOptions = {
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 10 * 1024 * 1024,
      onMailFrom(_address, _session, callback) {
        const refusal = capture?.refusal;
        if (refusal) {
          const error = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
          return callback(error);
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((parsed: ParsedMail) => {
              capture!.inbox.add({
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                headers: parsed.headers,
                raw: raw.toString('utf8'),
                receivedAt: new Date(),
              });
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    };
    const server = new SMTPServer(options);
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.server.address() as AddressInfo;
    capture = new SmtpCapture(server, address.port);
    return capture;
  }

  /** Refuse every message with this SMTP reply (421: try again later; 550: permanent). */
  failWith(code: number, message = 'Service not available'): void {
    this.refusal = { code, message };
  }

  accept(): void {
    this.refusal = null;
  }

  /** Resolves when `count` messages matching `predicate` have arrived. */
  async waitForMessages(
    count: number,
    predicate: (m: CapturedMail) => boolean = () => true,
    timeoutMs = 15000,
  ): Promise<CapturedMail[]> {
    return this.inbox.waitFor(count, predicate, timeoutMs);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
