import { MllpFrameDecoder, type MllpFrameEvent, mllpFrame } from './mllp-frame.decoder';

const frames = (events: MllpFrameEvent[]) =>
  events.filter((e) => e.kind === 'frame').map((e) => (e as { payload: Buffer }).payload.toString());

describe('MllpFrameDecoder', () => {
  it('reads two frames from one chunk', () => {
    const decoder = new MllpFrameDecoder(1024);
    const events = decoder.push(Buffer.concat([mllpFrame('MSH|one'), mllpFrame('MSH|two')]));
    expect(frames(events)).toEqual(['MSH|one', 'MSH|two']);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('reads a frame split at every byte, including between 0x1C and 0x0D', () => {
    const decoder = new MllpFrameDecoder(1024);
    const bytes = mllpFrame('MSH|^~\\&|LAB\rPID|1');
    const events = [...bytes].flatMap((b) => decoder.push(Buffer.of(b)));
    expect(frames(events)).toEqual(['MSH|^~\\&|LAB\rPID|1']);
  });

  it('keeps the bytes exactly (no decoding)', () => {
    const decoder = new MllpFrameDecoder(1024);
    const latin1 = Buffer.from('MSH|Nov\xe1kov\xe1', 'latin1');
    const [event] = decoder.push(mllpFrame(latin1));
    expect(event).toEqual({ kind: 'frame', payload: latin1 });
  });

  it('discards noise before a start byte and between frames', () => {
    const decoder = new MllpFrameDecoder(1024);
    const events = decoder.push(
      Buffer.concat([
        Buffer.from('GET / HTTP/1.1\r\n'),
        mllpFrame('MSH|a'),
        Buffer.from('\n'),
        mllpFrame('MSH|b'),
      ]),
    );
    expect(frames(events)).toEqual(['MSH|a', 'MSH|b']);
    expect(events.filter((e) => e.kind === 'discarded')).toEqual([
      { kind: 'discarded', bytes: 16, reason: 'outside-frame' },
      { kind: 'discarded', bytes: 1, reason: 'outside-frame' },
    ]);
  });

  it('takes a 0x1C not followed by 0x0D as content', () => {
    const decoder = new MllpFrameDecoder(1024);
    const events = [...decoder.push(Buffer.from('\x0bMSH|a\x1c')), ...decoder.push(Buffer.from('b\x1c\r'))];
    expect(frames(events)).toEqual(['MSH|a\x1cb']);
  });

  it('abandons an unfinished frame when a new one starts', () => {
    const decoder = new MllpFrameDecoder(1024);
    const events = decoder.push(Buffer.concat([Buffer.from('\x0bMSH|cut'), mllpFrame('MSH|whole')]));
    expect(events).toEqual([
      { kind: 'discarded', bytes: 7, reason: 'restarted' },
      { kind: 'frame', payload: Buffer.from('MSH|whole') },
    ]);
  });

  it('refuses a frame over the limit without buffering it, keeping its head for the answer', () => {
    const decoder = new MllpFrameDecoder(2048);
    const events = [
      ...decoder.push(Buffer.from('\x0bMSH|^~\\&|LAB|F|||20240101||ORU^R01|BIG-1|P|2.5.1\r')),
      ...decoder.push(Buffer.alloc(5000, 'x')),
      ...decoder.push(mllpFrame('MSH|after')),
    ];
    expect(events).toHaveLength(1);
    const [oversize] = events as Array<Extract<MllpFrameEvent, { kind: 'oversize' }>>;
    expect(oversize!.kind).toBe('oversize');
    expect(oversize!.limit).toBe(2048);
    expect(oversize!.head.toString().startsWith('MSH|^~\\&|LAB|F|||20240101||ORU^R01|BIG-1')).toBe(true);
    expect(oversize!.head.length).toBeLessThanOrEqual(4096);
    expect(decoder.stopped).toBe(true);
  });

  it('accepts a frame of exactly the limit', () => {
    const decoder = new MllpFrameDecoder(1024);
    const body = 'M'.repeat(1024);
    expect(frames(decoder.push(mllpFrame(body)))).toEqual([body]);
  });

  it('reports the bytes of an unfinished message', () => {
    const decoder = new MllpFrameDecoder(1024);
    decoder.push(Buffer.from('\x0bMSH|half'));
    expect(decoder.pendingBytes).toBe(8);
  });
});
