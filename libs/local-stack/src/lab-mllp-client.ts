import { type ConnectionOptions } from 'node:tls';
import { Client, type Connection, type InboundResponse, Message } from 'node-hl7-client';

/** What a test reads from an ACK. */
export interface ReceivedAck {
  /** MSA-1: AA, AE or AR. */
  code: string;
  /** MSA-2: the MSH-10 of the message it answers. */
  controlId: string;
  /** MSA-3. */
  text: string;
  /** The ERR segment as sent, or '' when there is none. */
  err: string;
  raw: string;
}

function readAck(response: InboundResponse): ReceivedAck {
  const message = response.getMessage();
  const raw = message.toString();
  const err = raw.split(/\r\n?|\n/).find((segment) => segment.startsWith('ERR')) ?? '';
  return {
    code: message.get('MSA.1').toString(),
    controlId: message.get('MSA.2').toString(),
    text: message.get('MSA.3').toString(),
    err,
    raw,
  };
}

/**
 * A lab's MLLP sender built on `node-hl7-client` (a third-party HL7 client library, so the gateway is tested
 * against framing it did not write): one connection, one message at a time, each send resolving with the ACK
 * the gateway returned for it. Used by the end-to-end tests and the demo.
 */
export class LabMllpClient {
  private readonly waiting: Array<(ack: ReceivedAck) => void> = [];

  private constructor(
    private readonly client: Client,
    private readonly connection: Connection,
  ) {}

  static async connect(
    port: number,
    options: { host?: string; tls?: ConnectionOptions } = {},
  ): Promise<LabMllpClient> {
    const client = new Client({
      host: options.host ?? '127.0.0.1',
      ...(options.tls ? { tls: options.tls } : {}),
    });
    let self: LabMllpClient | null = null;
    const connection = client.createConnection({ port, waitAck: true }, (response) => {
      self?.waiting.shift()?.(readAck(response));
    });
    self = new LabMllpClient(client, connection);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no MLLP connection to port ${port}`)), 5000);
      connection.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return self;
  }

  /** Sends one message (text with `\r` between segments) and resolves with its ACK. */
  async send(text: string, timeoutMs = 15000): Promise<ReceivedAck> {
    const ack = new Promise<ReceivedAck>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ACK in time')), timeoutMs);
      this.waiting.push((received) => {
        clearTimeout(timer);
        resolve(received);
      });
    });
    await this.connection.sendMessage(new Message({ text }));
    return ack;
  }

  async close(): Promise<void> {
    await this.connection.close();
    this.client.closeAll();
  }
}
