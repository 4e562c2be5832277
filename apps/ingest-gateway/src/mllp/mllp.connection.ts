import { type Socket } from 'node:net';
import { MllpFrameDecoder, mllpFrame } from './mllp-frame.decoder';

export type MllpStreamEvent =
  | 'oversize'
  | 'outside_frame'
  | 'restarted'
  | 'truncated'
  | 'idle_timeout'
  | 'frame_timeout'
  | 'handler_failed';

export interface MllpConnectionOptions {
  maxMessageBytes: number;
  idleTimeoutMs: number;
  /**
   * How long a started message may take to arrive whole. The idle timer restarts on every byte, so without this
   * a peer sending a byte a minute would hold its connection (and the slot) for ever.
   */
  frameTimeoutMs: number;
}

export interface MllpConnectionHandlers {
  /** Takes one message and returns its ACK (unframed). Resolves only when the message's fate is settled. */
  message(payload: Buffer): Promise<string>;
  /** The ACK for a message over the size limit, from its first bytes. */
  oversize(head: Buffer, limit: number): string;
  /** Anything in the byte stream other than a good frame, for metrics and logs. */
  streamEvent(event: MllpStreamEvent, bytes?: number): void;
}

/** How long a peer may keep a connection we have finished with half-open before it is cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * One MLLP connection: frames in, one ACK per frame out, in order. Back-pressure is the point: the socket is
 * paused while a message is being handed to Kafka, and read again only after its ACK is written, so a sender
 * can never have more than one chunk of data in the gateway's memory, however fast it sends.
 */
export class MllpConnection {
  private readonly decoder: MllpFrameDecoder;
  private readonly frameTimeoutMs: number;
  private readonly queue: Array<
    { kind: 'frame'; payload: Buffer } | { kind: 'oversize'; head: Buffer; limit: number }
  > = [];
  private working = false;
  private closing = false;
  private frameTimer: NodeJS.Timeout | null = null;
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    options: MllpConnectionOptions,
    private readonly handlers: MllpConnectionHandlers,
  ) {
    this.frameTimeoutMs = options.frameTimeoutMs;
    this.decoder = new MllpFrameDecoder(options.maxMessageBytes);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('timeout', () => this.idle());
    // Resets and broken pipes end the connection ('close' follows); there is nothing else to do about them.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.stopFrameClock();
      if (this.decoder.pendingBytes > 0) this.handlers.streamEvent('truncated', this.decoder.pendingBytes);
    });
  }

  /** Graceful close: the message in hand is finished and acknowledged; anything after it is left unanswered. */
  close(): Promise<void> {
    this.closing = true;
    if (!this.working) this.finish();
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    // After our side has ended, what the peer still sends is read only to be dropped.
    if (this.closing) return;
    for (const event of this.decoder.push(chunk)) {
      if (event.kind === 'discarded') {
        this.handlers.streamEvent(event.reason === 'restarted' ? 'restarted' : 'outside_frame', event.bytes);
      } else {
        this.queue.push(event);
      }
    }
    // The frame clock runs from a message's first byte until it is whole (or dropped).
    if (this.decoder.midFrame) this.startFrameClock();
    else this.stopFrameClock();
    if (this.queue.length > 0 && !this.working) void this.work();
  }

  private startFrameClock(): void {
    if (this.frameTimer) return;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = null;
      this.handlers.streamEvent('frame_timeout', this.decoder.pendingBytes);
      // No answer: the message never arrived whole, and the peer that sends this slowly is not reading either.
      this.closing = true;
      this.socket.destroy();
    }, this.frameTimeoutMs);
    this.frameTimer.unref();
  }

  private stopFrameClock(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
  }

  private async work(): Promise<void> {
    this.working = true;
    this.socket.pause();
    try {
      while (this.queue.length > 0 && !this.closing && !this.socket.destroyed) {
        const item = this.queue.shift()!;
        if (item.kind === 'oversize') {
          this.handlers.streamEvent('oversize', item.limit);
          this.refuse(this.handlers.oversize(item.head, item.limit));
          return;
        }
        const ack = await this.handlers.message(item.payload);
        await this.write(mllpFrame(ack));
      }
    } catch {
      // The handler answers every message, refusals included; should it fail all the same, the connection is cut
      // without an answer (the sender sends again) rather than left with a rejection nobody handles.
      this.handlers.streamEvent('handler_failed');
      this.socket.destroy();
    } finally {
      this.working = false;
    }
    if (this.closing) this.finish();
    else if (!this.socket.destroyed) this.socket.resume();
  }

  /** Writes and waits while the peer is not reading its ACKs (their back-pressure, in turn). */
  private write(bytes: Buffer): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    if (this.socket.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /**
   * Answers a message we will not read, then closes. The rest of what the peer sends is read and dropped
   * (the decoder has stopped) rather than left unread: closing with unread data resets the connection, and a
   * reset can destroy the ACK before the peer has read it.
   */
  private refuse(ack: string): void {
    this.closing = true;
    this.queue.length = 0;
    this.socket.end(mllpFrame(ack));
    this.socket.resume();
    this.cutAfterGrace();
  }

  private idle(): void {
    // A message in hand is bounded by the produce timeout; the idle clock is for silent peers.
    if (this.working) return;
    this.handlers.streamEvent('idle_timeout');
    this.finish();
  }

  private finish(): void {
    this.closing = true;
    if (this.socket.destroyed) return;
    this.socket.end();
    this.socket.resume();
    this.cutAfterGrace();
  }

  private cutAfterGrace(): void {
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}
