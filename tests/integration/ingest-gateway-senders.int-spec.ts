import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabMllpClient, waitFor } from '@alem/local-stack';
import { HEADERS, TOPICS } from '@alem/messaging';
import { mllpFrame } from '../../apps/ingest-gateway/src/mllp/mllp-frame.decoder';
import { oruR01, PLATELETS } from '../support/hl7-messages';
import {
  registerSender,
  type RunningGateway,
  framingCount,
  startGateway,
  TopicReader,
} from '../support/ingest-gateway';
import { RawPeer } from '../support/raw-mllp-peer';
import { startTestStack, type TestStack } from '../support/test-stack';

const PATIENT = { id: 'MRN7001', authority: 'HOSP' };
const LIS = { application: 'LIS', facility: 'CENTRAL-LAB' };
const CITYLAB = { application: 'LABSYS', facility: 'CITYLAB' };
const message = (
  controlId: string,
  sender: { application: string; facility: string },
  patient: { id: string; authority: string } = PATIENT,
) =>
  oruR01({ controlId, sender, patient, observedAt: '20261120081500+0100', observations: [PLATELETS('12')] });

/** openssl, as a site's PKI would: a CA, and certificates it signs. */
function pki(dir: string) {
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const file = (name: string) => path.join(dir, name);
  const ca = (name: string) =>
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`)]); // prettier-ignore
  const signed = (name: string, by: string, extra: string[] = []) => {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, ...extra,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`)]); // prettier-ignore
    run(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${by}.pem`), '-CAkey', file(`${by}.key`),
      '-CAcreateserial', '-days', '1', '-copy_extensions', 'copy', '-out', file(`${name}.pem`)]); // prettier-ignore
  };
  ca('site-ca');
  ca('other-ca');
  signed('gateway', 'site-ca', ['-addext', 'subjectAltName=DNS:localhost']);
  signed('citylab', 'site-ca');
  signed('unregistered', 'site-ca');
  signed('impostor', 'other-ca');
  return {
    file,
    fingerprint: (name: string) => new X509Certificate(readFileSync(file(`${name}.pem`))).fingerprint256,
    client: (name: string) => ({
      ca: readFileSync(file('site-ca.pem')),
      servername: 'localhost',
      cert: readFileSync(file(`${name}.pem`)),
      key: readFileSync(file(`${name}.key`)),
    }),
  };
}

/**
 * Issue 14 item 1: every MLLP peer is a registered sender, authenticated by its client certificate or its
 * address, and may send only as itself and only for its assigning authorities. A refusal is AR with the reason,
 * dead-lettered with the peer's address; an accepted message carries the authenticated sender to the processor.
 */
describe('ingest gateway: MLLP senders are authenticated', () => {
  let stack: TestStack;
  let plain: RunningGateway;
  let results: TopicReader;
  let dlq: TopicReader;

  beforeAll(async () => {
    stack = await startTestStack();
    plain = await startGateway(stack.config, {
      mllp: { peerAuthentication: 'registered', maxConnectionsPerPeer: 2 },
    });
    results = await TopicReader.start(stack.kafka, TOPICS.labResults);
    dlq = await TopicReader.start(stack.kafka, TOPICS.labResultsDlq);
  });

  afterAll(async () => {
    await results?.stop();
    await dlq?.stop();
    await plain?.close();
    await stack?.stop();
  });

  it('refuses a forged message over plain TCP from an address no sender registered, and records it', async () => {
    const forger = await RawPeer.connect(plain.mllpPort);
    await forger.write(mllpFrame(message('FORGED-1', LIS)));
    const [ack] = await forger.waitForAcks(1);
    expect(ack).toEqual({
      code: 'AR',
      controlId: 'FORGED-1',
      text: 'address 127.0.0.1 not registered to a sender (no client certificate)',
    });
    const [record] = await dlq.waitForRecords('FORGED-1');
    expect(record!.headers).toMatchObject({
      [HEADERS.dlqReason]: ack!.text,
      [HEADERS.dlqSource]: 'ingest-gateway/mllp',
      [HEADERS.dlqPeer]: '127.0.0.1',
    });
    forger.socket.destroy();
    // Nothing of it reached the results topic (an accepted message is produced before its ACK is written).
    expect(results.records.filter((r) => r.value.includes('FORGED-1'))).toEqual([]);
  });

  it('takes a sender registered by its address as itself, and refuses another lab’s name or another hospital’s patients', async () => {
    await registerSender(stack.dataSource, 'LIS^CENTRAL-LAB', {
      authorities: ['HOSP'],
      sourceAddresses: ['127.0.0.1/32', '::1/128'],
    });
    await plain.reloadSenders();
    const lab = await LabMllpClient.connect(plain.mllpPort);
    try {
      expect(await lab.send(message('ADDR-OK', LIS))).toMatchObject({ code: 'AA', controlId: 'ADDR-OK' });
      const [taken] = await results.waitForRecords('ADDR-OK');
      expect(taken!.headers[HEADERS.authenticatedSender]).toBe('LIS^CENTRAL-LAB');

      expect(await lab.send(message('ADDR-AS-OTHER', CITYLAB))).toMatchObject({
        code: 'AR',
        text: "MSH-3/4 LABSYS^CITYLAB is not this connection's sender (LIS^CENTRAL-LAB)",
      });
      expect(
        await lab.send(message('ADDR-FOREIGN', LIS, { id: 'X1', authority: 'OTHERHOSP' })),
      ).toMatchObject({
        code: 'AR',
        text: 'LIS^CENTRAL-LAB may not report for assigning authority OTHERHOSP',
      });
    } finally {
      await lab.close();
    }
    const refused = [
      ...(await dlq.waitForRecords('ADDR-AS-OTHER')),
      ...(await dlq.waitForRecords('ADDR-FOREIGN')),
    ];
    expect(refused.map((r) => r.headers[HEADERS.dlqReason])).toEqual([
      expect.stringContaining("not this connection's sender (LIS^CENTRAL-LAB)"),
      expect.stringContaining('assigning authority OTHERHOSP'),
    ]);
    expect(results.records.filter((r) => /ADDR-AS-OTHER|ADDR-FOREIGN/.test(r.value.toString()))).toEqual([]);
  });

  it('caps the connections one peer may hold open (issue 14 item 5)', async () => {
    const before = await framingCount('peer_limit');
    const held = [await RawPeer.connect(plain.mllpPort), await RawPeer.connect(plain.mllpPort)];
    const third = await RawPeer.connect(plain.mllpPort);
    await third.ended;
    expect(await framingCount('peer_limit')).toBe(before + 1);
    held[0]!.socket.destroy();
    await held[0]!.ended;
    // A slot is free again once one of them has gone (the server hears the close a moment later).
    const again = await waitFor(
      async () => {
        const peer = await RawPeer.connect(plain.mllpPort);
        await peer.write(mllpFrame(message('CAP-OK', LIS)));
        const answered = await Promise.race([
          peer.waitForAcks(1, 2000).then(() => true),
          peer.ended.then(() => false),
        ]).catch(() => false);
        if (!answered) peer.socket.destroy();
        return answered ? peer : undefined;
      },
      { description: 'a connection once a slot is free' },
    );
    expect(again.acks[0]).toMatchObject({ code: 'AA', controlId: 'CAP-OK' });
    again.socket.destroy();
    held[1]!.socket.destroy();
  });

  it('does not start an open listener, nor a plain one, with NODE_ENV=production', async () => {
    const production = { ...stack.config, env: 'production' as const };
    await expect(startGateway(production, { mllp: { peerAuthentication: 'none' } })).rejects.toThrow(
      /MLLP_PEER_AUTHENTICATION=none .* never with NODE_ENV=production/,
    );
    await expect(startGateway(production, { mllp: { peerAuthentication: 'registered' } })).rejects.toThrow(
      /MLLP listener speaks TLS only/,
    );
  });

  describe('over mutual TLS', () => {
    let dir: string;
    let certs: ReturnType<typeof pki>;
    let mtls: RunningGateway;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'alem-mtls-'));
      certs = pki(dir);
      await registerSender(stack.dataSource, 'LABSYS^CITYLAB', {
        authorities: ['HOSP'],
        certificateFingerprints: [certs.fingerprint('citylab')],
      });
      mtls = await startGateway(stack.config, {
        mllp: {
          peerAuthentication: 'registered',
          tls: {
            certFile: certs.file('gateway.pem'),
            keyFile: certs.file('gateway.key'),
            caFile: certs.file('site-ca.pem'),
          },
        },
      });
    });

    afterAll(async () => {
      await mtls?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('takes a message from a registered certificate as the sender it is registered to', async () => {
      const lab = await LabMllpClient.connect(mtls.mllpPort, { tls: certs.client('citylab') });
      try {
        expect(await lab.send(message('MTLS-OK', CITYLAB))).toMatchObject({ code: 'AA' });
        // The right certificate with another facility in MSH-4.
        expect(
          await lab.send(message('MTLS-WRONG-MSH4', { application: 'LABSYS', facility: 'NORTHLAB' })),
        ).toMatchObject({
          code: 'AR',
          text: "MSH-3/4 LABSYS^NORTHLAB is not this connection's sender (LABSYS^CITYLAB)",
        });
        // A certificate authenticates its own sender only, whatever the address (127.0.0.1 is LIS's).
        expect(await lab.send(message('MTLS-AS-LIS', LIS))).toMatchObject({ code: 'AR' });
      } finally {
        await lab.close();
      }
      const [taken] = await results.waitForRecords('MTLS-OK');
      expect(taken!.headers[HEADERS.authenticatedSender]).toBe('LABSYS^CITYLAB');
      await dlq.waitForRecords('MTLS-WRONG-MSH4');
      await dlq.waitForRecords('MTLS-AS-LIS');
    });

    it('refuses a certificate from a CA it does not trust, and a trusted one registered to no sender', async () => {
      const impostor = await LabMllpClient.connect(mtls.mllpPort, {
        tls: { ...certs.client('impostor') },
      });
      try {
        expect(await impostor.send(message('MTLS-IMPOSTOR', CITYLAB))).toMatchObject({
          code: 'AR',
          text: 'client certificate not issued by a CA this gateway trusts',
        });
      } finally {
        await impostor.close();
      }
      const stranger = await LabMllpClient.connect(mtls.mllpPort, { tls: certs.client('unregistered') });
      try {
        const ack = await stranger.send(message('MTLS-STRANGER', CITYLAB));
        expect(ack.code).toBe('AR');
        expect(ack.text).toMatch(/^client certificate not registered to a sender: SHA-256 [0-9A-F:]+$/);
      } finally {
        await stranger.close();
      }
      await dlq.waitForRecords('MTLS-IMPOSTOR');
      // The record keeps the whole reason, with the fingerprint to register should the certificate be the lab's.
      const [record] = await dlq.waitForRecords('MTLS-STRANGER');
      expect(record!.headers[HEADERS.dlqReason]).toBe(
        `client certificate not registered to a sender: SHA-256 ${certs.fingerprint('unregistered')}`,
      );
      expect(results.records.filter((r) => /MTLS-IMPOSTOR|MTLS-STRANGER/.test(r.value.toString()))).toEqual(
        [],
      );
    });
  });
});
