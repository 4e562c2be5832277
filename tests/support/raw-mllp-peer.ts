import net, { type Socket } from 'node:net';
import { MllpFrameDecoder } from '../../apps/ingest-gateway/src/mllp/mllp-frame.decoder';

/** A bare TCP (or TLS) MLLP peer, for what a well-behaved client library never sends. */
export class RawPeer {
  readonly acks: Array<{ code: string; controlId: string; text: string }> = [];
  readonly ended: Promise<void>;
  private readonly decoder = new MllpFrameDecoder(1 << 20);

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.decoder.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const msa = event.payload
          .toString()
          .split('\r')
          .find((s) => s.startsWith('MSA|'))!
          .split('|');
        this.acks.push({ code: msa[1]!, controlId: msa[2]!, text: msa[3] ?? '' });
      }
    });
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawPeer(socket);
  }

  write(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  async waitForAcks(n: number, timeoutMs = 10000): Promise<RawPeer['acks']> {
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} ACKs, got ${this.acks.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.acks;
  }
}
