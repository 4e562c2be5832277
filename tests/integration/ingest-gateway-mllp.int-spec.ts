import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { LabMllpClient, waitFor } from '@alem/local-stack';
import { TOPICS } from '@alem/messaging';
import { mllpFrame } from '../../apps/ingest-gateway/src/mllp/mllp-frame.decoder';
import { MllpServer } from '../../apps/ingest-gateway/src/mllp/mllp.server';
import { oruR01, PLATELETS } from '../support/hl7-messages';
import { framingCount, type RunningGateway, startGateway, TopicReader } from '../support/ingest-gateway';
import { RawPeer } from '../support/raw-mllp-peer';
import { startTestStack, type TestStack } from '../support/test-stack';

const PATIENT = { id: 'MRN2001', authority: 'HOSP' };
const message = (controlId: string, patient = PATIENT) =>
  oruR01({ controlId, patient, observedAt: '20261120081500+0100', observations: [PLATELETS('210')] });

/** MLLP framing and connection handling over real sockets, against the gateway on the real broker. */
describe('ingest gateway: MLLP listener', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let results: TopicReader;

  beforeAll(async () => {
    stack = await startTestStack();
    // Every test peer connects from 127.0.0.1: the per-peer cap is raised for the many-connections test.
    gateway = await startGateway(stack.config, {
      mllp: { maxMessageBytes: 4096, idleTimeoutMs: 400, maxConnectionsPerPeer: 100 },
    });
    results = await TopicReader.start(stack.kafka, TOPICS.labResults);
  });

  afterAll(async () => {
    await results?.stop();
    await gateway?.close();
    await stack?.stop();
  });

  it('answers two messages sent in one TCP write, in order', async () => {
    const peer = await RawPeer.connect(gateway.mllpPort);
    await peer.write(Buffer.concat([mllpFrame(message('TWO-1')), mllpFrame(message('TWO-2'))]));
    expect(await peer.waitForAcks(2)).toEqual([
      { code: 'AA', controlId: 'TWO-1', text: '' },
      { code: 'AA', controlId: 'TWO-2', text: '' },
    ]);
    peer.socket.destroy();
  });

  it('reads a message split across many writes', async () => {
    const peer = await RawPeer.connect(gateway.mllpPort);
    const bytes = mllpFrame(message('SPLIT-1'));
    for (let i = 0; i < bytes.length; i += 37) {
      await peer.write(bytes.subarray(i, i + 37));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await peer.waitForAcks(1)).toEqual([{ code: 'AA', controlId: 'SPLIT-1', text: '' }]);
    const [record] = await results.waitForRecords('SPLIT-1');
    expect(record!.value.equals(bytes.subarray(1, bytes.length - 2))).toBe(true);
    peer.socket.destroy();
  });

  it('skips noise before the start byte', async () => {
    const peer = await RawPeer.connect(gateway.mllpPort);
    const before = await framingCount('outside_frame');
    await peer.write(Buffer.concat([Buffer.from('\r\nHELLO\r\n'), mllpFrame(message('NOISE-1'))]));
    expect(await peer.waitForAcks(1)).toEqual([{ code: 'AA', controlId: 'NOISE-1', text: '' }]);
    expect(await framingCount('outside_frame')).toBe(before + 1);
    peer.socket.destroy();
  });

  it('refuses a frame over the size limit with AE echoing MSH-10, and closes the connection', async () => {
    const peer = await RawPeer.connect(gateway.mllpPort);
    const big = `${message('BIG-1')}\rNTE|1|L|${'x'.repeat(8000)}`;
    await peer.write(mllpFrame(big));
    await peer.ended;
    expect(peer.acks).toEqual([
      { code: 'AE', controlId: 'BIG-1', text: 'message larger than 4096 bytes; not accepted' },
    ]);
    expect(results.records.some((r) => r.value.includes('BIG-1'))).toBe(false);
  });

  it('closes a connection that stays silent past the idle timeout', async () => {
    const peer = await RawPeer.connect(gateway.mllpPort);
    const started = Date.now();
    await peer.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('serves many connections at once, each in its own order', async () => {
    const peers = await Promise.all(Array.from({ length: 20 }, () => RawPeer.connect(gateway.mllpPort)));
    await waitFor(() => gateway.app.get(MllpServer).connectionCount >= 20, { description: '20 connections' });
    await Promise.all(
      peers.map((peer, p) =>
        peer.write(
          Buffer.concat(
            [0, 1, 2].map((m) => mllpFrame(message(`CONC-${p}-${m}`, { id: `MRN3${p}`, authority: 'HOSP' }))),
          ),
        ),
      ),
    );
    for (const [p, peer] of peers.entries()) {
      const acks = await peer.waitForAcks(3);
      expect(acks.map((a) => `${a.code} ${a.controlId}`)).toEqual([
        `AA CONC-${p}-0`,
        `AA CONC-${p}-1`,
        `AA CONC-${p}-2`,
      ]);
      peer.socket.destroy();
    }
    await results.waitForRecords('CONC-', 60);
  });

  it('stops accepting on shutdown after answering the message in hand', async () => {
    const own = await startGateway(stack.config);
    const lab = await LabMllpClient.connect(own.mllpPort);
    // A slow broker keeps the message in hand while the gateway is told to stop; its ACK must still come.
    await stack.broker.command('rtt 1 600');
    try {
      const answered = lab.send(message('STOP-1'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closing = own.close();
      expect((await answered).code).toBe('AA');
      await closing;
    } finally {
      await stack.broker.command('rtt 1 0');
    }
    await expect(RawPeer.connect(own.mllpPort)).rejects.toThrow(/ECONNREFUSED/);
    await lab.close();
  });
});

describe('ingest gateway: MLLP over TLS', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'alem-mllp-tls-'));
    // A self-signed certificate for the test only; valid for localhost and 127.0.0.1.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    stack = await startTestStack();
    gateway = await startGateway(stack.config, {
      mllp: {
        tls: { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem'), caFile: null },
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes messages from a client that trusts the certificate', async () => {
    const lab = await LabMllpClient.connect(gateway.mllpPort, {
      tls: { ca: readFileSync(path.join(dir, 'cert.pem')), servername: 'localhost' },
    });
    const ack = await lab.send(message('TLS-1'));
    expect(ack).toMatchObject({ code: 'AA', controlId: 'TLS-1' });
    await lab.close();
  });

  it('answers nothing to plain TCP, and a client that does not trust the certificate cannot connect', async () => {
    const plain = await RawPeer.connect(gateway.mllpPort);
    await plain.write(mllpFrame(message('PLAIN-1')));
    await plain.ended;
    expect(plain.acks).toEqual([]);

    const refused = tls.connect({ port: gateway.mllpPort, host: '127.0.0.1', servername: 'localhost' });
    const error = await new Promise<Error>((resolve) => refused.once('error', resolve));
    expect((error as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    refused.destroy();
  });
});
