import net, { type AddressInfo, type Socket } from 'node:net';
import { MllpConnection, type MllpConnectionHandlers, type MllpStreamEvent } from './mllp.connection';
import { MllpFrameDecoder, mllpFrame } from './mllp-frame.decoder';

interface Deferred {
  payload: string;
  resolve(ack: string): void;
}

/** A real loopback TCP pair: the server side wrapped in an MllpConnection whose handler the test controls. */
async function pair(
  options: {
    maxMessageBytes?: number;
    idleTimeoutMs?: number;
    frameTimeoutMs?: number;
    failing?: boolean;
  } = {},
) {
  const pending: Deferred[] = [];
  const events: MllpStreamEvent[] = [];
  let connection!: MllpConnection;
  let serverSocket!: Socket;
  const handlers: MllpConnectionHandlers = {
    message: (payload) =>
      options.failing
        ? Promise.reject(new Error('handler broke'))
        : new Promise<string>((resolve) => pending.push({ payload: payload.toString(), resolve })),
    oversize: (head, limit) => `ACK|oversize ${limit} ${head.toString().slice(0, 8)}`,
    streamEvent: (event) => events.push(event),
  };
  const connected = new Promise<void>((resolve) => {
    server.once('connection', (socket: Socket) => {
      serverSocket = socket;
      connection = new MllpConnection(
        socket,
        {
          maxMessageBytes: options.maxMessageBytes ?? 1024,
          idleTimeoutMs: options.idleTimeoutMs ?? 10000,
          frameTimeoutMs: options.frameTimeoutMs ?? 10000,
        },
        handlers,
      );
      resolve();
    });
  });
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  await connected;
  const acks: string[] = [];
  const decoder = new MllpFrameDecoder(1 << 20);
  client.on('data', (chunk: Buffer) => {
    for (const e of decoder.push(chunk)) if (e.kind === 'frame') acks.push(e.payload.toString());
  });
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  return { client, connection, serverSocket: () => serverSocket, pending, events, acks, ended };
}

let server: net.Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = net.createServer();
  server.on('connection', (s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('MllpConnection', () => {
  it('takes one message at a time, with the socket paused while it is in hand, and answers in order', async () => {
    const t = await pair();
    t.client.write(Buffer.concat([mllpFrame('M1'), mllpFrame('M2'), mllpFrame('M3')]));
    await until(() => t.pending.length === 1, 'the first message');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.pending.map((p) => p.payload)).toEqual(['M1']);
    expect(t.serverSocket().isPaused()).toBe(true);

    t.pending[0]!.resolve('A1');
    // The ACK crosses the loopback on its own time: wait for it rather than assume it beat the next message.
    await until(() => t.acks.length === 1, 'the first ACK');
    expect(t.acks).toEqual(['A1']);
    await until(() => t.pending.length === 2, 'the second message');
    t.pending[1]!.resolve('A2');
    await until(() => t.pending.length === 3, 'the third message');
    t.pending[2]!.resolve('A3');
    await until(() => t.acks.length === 3, 'three ACKs');
    expect(t.acks).toEqual(['A1', 'A2', 'A3']);
    expect(t.serverSocket().isPaused()).toBe(false);
    t.client.destroy();
  });

  it('on close, finishes and acknowledges the message in hand, leaves the next unanswered, then ends', async () => {
    const t = await pair();
    t.client.write(Buffer.concat([mllpFrame('M1'), mllpFrame('M2')]));
    await until(() => t.pending.length === 1, 'the first message');
    const closed = t.connection.close();
    t.pending[0]!.resolve('A1');
    await t.ended;
    await closed;
    expect(t.acks).toEqual(['A1']);
    expect(t.pending).toHaveLength(1);
  });

  it('answers an oversize frame from its head and ends the connection', async () => {
    const t = await pair({ maxMessageBytes: 1024 });
    t.client.write(Buffer.concat([Buffer.from('\x0bMSH|big|'), Buffer.alloc(4000, 'x')]));
    await t.ended;
    expect(t.acks).toEqual(['ACK|oversize 1024 MSH|big|']);
    expect(t.events).toContain('oversize');
    expect(t.pending).toHaveLength(0);
  });

  it('ends a silent connection after the idle timeout, but not while a message is in hand', async () => {
    const t = await pair({ idleTimeoutMs: 100 });
    t.client.write(mllpFrame('M1'));
    await until(() => t.pending.length === 1, 'the message');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.events).not.toContain('idle_timeout');
    t.pending[0]!.resolve('A1');
    const started = Date.now();
    await t.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(t.acks).toEqual(['A1']);
    expect(t.events).toContain('idle_timeout');
  });

  it('cuts a peer that trickles a message byte by byte past the frame deadline, though each byte resets the idle clock (issue 14 item 5)', async () => {
    const t = await pair({ idleTimeoutMs: 200, frameTimeoutMs: 400 });
    const closed = new Promise<void>((resolve) => t.client.once('close', () => resolve()));
    const started = Date.now();
    t.client.write('\x0bMSH|');
    // A byte every 50 ms: never idle for 200 ms, never a whole message.
    const trickle = setInterval(() => {
      if (!t.client.destroyed) t.client.write('x');
    }, 50);
    try {
      await closed;
    } finally {
      clearInterval(trickle);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(t.events).toContain('frame_timeout');
    expect(t.events).not.toContain('idle_timeout');
    expect(t.pending).toHaveLength(0);
  });

  it('stops the frame clock when a message is whole: a slow but steady sender is not cut', async () => {
    const t = await pair({ idleTimeoutMs: 5000, frameTimeoutMs: 300 });
    for (const n of [1, 2, 3]) {
      t.client.write('\x0bMSH|M');
      await new Promise((resolve) => setTimeout(resolve, 150));
      t.client.write(`${n}\x1c\x0d`);
      await until(() => t.pending.length === n, `message ${n}`);
      t.pending[n - 1]!.resolve(`A${n}`);
      await until(() => t.acks.length === n, `ack ${n}`);
    }
    expect(t.events).not.toContain('frame_timeout');
    expect(t.acks).toEqual(['A1', 'A2', 'A3']);
  });

  it('cuts the connection, unanswered, when the handler fails: no unhandled rejection (issue 12 item 10)', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const t = await pair({ failing: true });
      const closed = new Promise<void>((resolve) => t.client.once('close', () => resolve()));
      t.client.write(mllpFrame('M1'));
      await closed;
      await new Promise((resolve) => setImmediate(resolve));
      expect(t.events).toContain('handler_failed');
      expect(t.acks).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('reports a message cut off by the peer', async () => {
    const t = await pair();
    t.client.end(Buffer.from('\x0bMSH|half'));
    await until(() => t.events.includes('truncated'), 'the truncated event');
    expect(t.pending).toHaveLength(0);
  });
});
