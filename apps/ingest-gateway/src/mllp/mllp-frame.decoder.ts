/** MLLP framing bytes: a message travels as `0x0B <message> 0x1C 0x0D`. */
export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_TRAILER = 0x0d;

export type MllpFrameEvent =
  /** A complete message, without its framing bytes, exactly as it was sent. */
  | { kind: 'frame'; payload: Buffer }
  /**
   * The message being read grew past the limit. `head` holds its first bytes (enough for MSH, so the answer can
   * echo MSH-10); the rest is not kept, and the decoder takes nothing more: the connection should be closed.
   */
  | { kind: 'oversize'; head: Buffer; limit: number }
  /** Bytes outside any frame (noise before a start byte), or a frame abandoned by a new start byte. */
  | { kind: 'discarded'; bytes: number; reason: 'outside-frame' | 'restarted' };

const HEAD_BYTES = 4096;

/**
 * Splits a TCP byte stream into MLLP frames, whatever the chunking: several frames in one chunk, one frame
 * over many, the end bytes split across chunks. Never buffers more than `maxMessageBytes` of one message, and
 * nothing outside a frame. A 0x1C not followed by 0x0D is message content (the parser will refuse it).
 */
export class MllpFrameDecoder {
  private inFrame = false;
  private parts: Buffer[] = [];
  private size = 0;
  /** The previous chunk ended with 0x1C: whether it ends the frame depends on the next byte. */
  private endPending = false;
  private failed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes of an unfinished message held right now (a truncated message when the connection closes). */
  get pendingBytes(): number {
    return this.inFrame ? this.size + (this.endPending ? 1 : 0) : 0;
  }

  /** Whether a message has started (its start block was read) and is not whole yet. */
  get midFrame(): boolean {
    return this.inFrame;
  }

  /** True after an oversize frame: the decoder takes nothing more. */
  get stopped(): boolean {
    return this.failed;
  }

  push(chunk: Buffer): MllpFrameEvent[] {
    const events: MllpFrameEvent[] = [];
    let i = 0;
    while (i < chunk.length && !this.failed) {
      if (!this.inFrame) {
        const start = chunk.indexOf(MLLP_START, i);
        const noise = (start === -1 ? chunk.length : start) - i;
        if (noise > 0) events.push({ kind: 'discarded', bytes: noise, reason: 'outside-frame' });
        if (start === -1) break;
        this.begin();
        i = start + 1;
        continue;
      }
      if (this.endPending) {
        this.endPending = false;
        if (chunk[i] === MLLP_TRAILER) {
          events.push(this.complete());
          i += 1;
          continue;
        }
        if (!this.append(Buffer.of(MLLP_END), events)) break;
      }
      const end = chunk.indexOf(MLLP_END, i);
      const restart = chunk.indexOf(MLLP_START, i);
      if (restart !== -1 && (end === -1 || restart < end)) {
        // A new start byte before the end: the sender gave up on that message (and will not expect an ACK).
        events.push({ kind: 'discarded', bytes: this.size + (restart - i), reason: 'restarted' });
        this.begin();
        i = restart + 1;
        continue;
      }
      if (end === -1) {
        this.append(chunk.subarray(i), events);
        break;
      }
      if (!this.append(chunk.subarray(i, end), events)) break;
      if (end + 1 === chunk.length) {
        this.endPending = true;
        break;
      }
      if (chunk[end + 1] === MLLP_TRAILER) {
        events.push(this.complete());
        i = end + 2;
      } else {
        if (!this.append(Buffer.of(MLLP_END), events)) break;
        i = end + 1;
      }
    }
    return events;
  }

  private begin(): void {
    this.inFrame = true;
    this.parts = [];
    this.size = 0;
    this.endPending = false;
  }

  private append(bytes: Buffer, events: MllpFrameEvent[]): boolean {
    if (bytes.length === 0) return true;
    if (this.size + bytes.length > this.maxMessageBytes) {
      events.push({ kind: 'oversize', head: this.head(bytes), limit: this.maxMessageBytes });
      this.failed = true;
      this.inFrame = false;
      this.parts = [];
      this.size = 0;
      return false;
    }
    // Copy: the socket may reuse the chunk's memory for later reads.
    this.parts.push(Buffer.from(bytes));
    this.size += bytes.length;
    return true;
  }

  private head(next: Buffer): Buffer {
    const parts: Buffer[] = [];
    let length = 0;
    for (const part of [...this.parts, next]) {
      if (length >= HEAD_BYTES) break;
      parts.push(part.subarray(0, HEAD_BYTES - length));
      length += parts[parts.length - 1]!.length;
    }
    return Buffer.concat(parts, length);
  }

  private complete(): MllpFrameEvent {
    const payload = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.inFrame = false;
    this.parts = [];
    this.size = 0;
    return { kind: 'frame', payload };
  }
}

/** Wraps a message (an ACK) in MLLP framing. */
export function mllpFrame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.of(MLLP_START), body, Buffer.of(MLLP_END, MLLP_TRAILER)]);
}
