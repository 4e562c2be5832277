import { type AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { Inbox } from './inbox';
import { waitFor } from './wait-for';

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
  private holding = false;
  /** Messages read whole and not yet answered (`holdReplies`), by SMTP session. */
  private readonly held: Array<{ session: string; answer: () => void }> = [];
  private readonly closedSessions = new Set<string>();
  /** How many messages were held in all (a held message whose sender hung up is not accepted). */
  heldCount = 0;

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
      onClose(session) {
        // A sender that hung up before the reply never had its message accepted.
        const self = capture;
        if (!self) return;
        self.closedSessions.add(session.id);
        for (let i = self.held.length - 1; i >= 0; i--) {
          if (self.held[i]!.session === session.id) self.held.splice(i, 1);
        }
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((parsed: ParsedMail) => {
              const accept = () => {
                // The session ended while the message was being read (the sender hung up, or `goDown()` cut
                // it): no reply can reach the sender, so the message was not accepted, as with a real relay.
                if (capture!.closedSessions.has(session.id)) return callback(new Error('session closed'));
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
              };
              if (!capture!.holding) return accept();
              capture!.heldCount++;
              capture!.held.push({ session: session.id, answer: accept });
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

  /**
   * The relay goes away: its port refuses connections and the sessions open on it are cut (a message not yet
   * answered is not accepted). `comeBack()` listens on the same port again.
   */
  async goDown(): Promise<void> {
    const listener = this.server.server;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    const sessions = (this.server as unknown as { connections: Set<{ id: string; close(): void }> })
      .connections;
    for (const session of sessions) {
      // Whatever it is still reading is not accepted: the relay went down before it could reply.
      this.closedSessions.add(session.id);
      session.close();
    }
    await closed;
  }

  async comeBack(): Promise<void> {
    await new Promise<void>((resolve) => this.server.server.listen(this.port, '127.0.0.1', resolve));
  }

  /**
   * Reads each message whole and then says nothing (a relay slow to answer): the sender waits on its reply,
   * which is the moment to kill it. `answerHeld()` replies to those still connected, and answers at once again.
   */
  holdReplies(): void {
    this.holding = true;
  }

  /** Held messages still waiting for their reply (their senders connected). */
  get heldOpen(): number {
    return this.held.length;
  }

  answerHeld(): void {
    this.holding = false;
    for (const { answer } of this.held.splice(0)) answer();
  }

  /** Resolves once `count` messages have been held in all (see `holdReplies`). */
  async waitForHeld(count: number, timeoutMs = 15000): Promise<void> {
    await waitFor(() => this.heldCount >= count, { timeoutMs, description: `${count} held message(s)` });
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
