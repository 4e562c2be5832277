import { readFileSync } from 'node:fs';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type MllpPeer, peerAddress } from '@alem/access';
import { type AppConfig, Clock, ConfigError, InjectConfig } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';
import { Hl7IntakeService, type ReceivedHl7 } from '../intake/hl7-intake.service';
import { hl7SenderCheck } from '../senders/hl7-sender-check';
import { RegisteredSenders } from '../senders/registered-senders';
import { MllpConnection, type MllpStreamEvent } from './mllp.connection';

/**
 * Why the listener must not start as configured, or null. Results carry patient data and a lab's name is worth
 * forging: in production the listener speaks TLS only, and never lets an unregistered peer send (issue 14).
 */
export function mllpListenerRefusal(config: AppConfig): string | null {
  if (config.env !== 'production') return null;
  const { mllp } = config.gateway;
  if (mllp.peerAuthentication === 'none') {
    return 'MLLP_PEER_AUTHENTICATION=none lets anyone send results in any lab’s name; it is for the embedded local stack and tests, never with NODE_ENV=production';
  }
  if (!mllp.tls) {
    return 'MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE are required with NODE_ENV=production: results carry patient data, and the MLLP listener speaks TLS only';
  }
  return null;
}

/**
 * The MLLP listener (TCP, or TLS when MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE are set). It starts when the
 * app boots and stops before the Kafka producer does: it stops accepting, lets every connection finish and
 * acknowledge the message in hand, then closes them (any still open after the produce timeout are cut).
 *
 * Framing is our own (`MllpFrameDecoder`) on `node:net` rather than `@medplum/hl7`'s `Hl7Server`: that one
 * treats each TCP chunk that ends in 0x1C 0x0D as one whole message (two messages in one write become one,
 * noise before 0x0B becomes message text), decodes and re-parses every message before we see it (we produce
 * the bytes as sent), has no size limit, no back-pressure, no TLS, no bind address and no idle timeout.
 */
@Injectable()
export class MllpServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MllpServer.name);
  private server: net.Server | null = null;
  private address: AddressInfo | null = null;
  private stopping = false;
  private readonly connections = new Set<MllpConnection>();
  /** Open connections by peer address, for the per-peer cap. */
  private readonly perPeer = new Map<string, number>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly intake: Hl7IntakeService,
    private readonly metrics: GatewayMetrics,
    private readonly clock: Clock,
    private readonly senders: RegisteredSenders,
  ) {}

  /** The port the listener is bound to: the configured one, or the one the system chose for MLLP_PORT=0. */
  get port(): number {
    if (!this.address) throw new Error('the MLLP listener is not running');
    return this.address.port;
  }

  get tls(): boolean {
    return this.config.gateway.mllp.tls !== null;
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    const refusal = mllpListenerRefusal(this.config);
    if (refusal) throw new ConfigError(`The MLLP listener does not start: ${refusal}`);
    const { mllp } = this.config.gateway;
    const server = mllp.tls
      ? tls.createServer(
          {
            cert: readFileSync(mllp.tls.certFile),
            key: readFileSync(mllp.tls.keyFile),
            // Mutual TLS: a client certificate is asked for and checked against the sites' CAs. One that does not
            // verify is not cut at the handshake but answered AR with the reason (a lab's engineer sees why);
            // a peer without one may still be a sender registered by its address.
            ...(mllp.tls.caFile
              ? { ca: readFileSync(mllp.tls.caFile), requestCert: true, rejectUnauthorized: false }
              : {}),
            // A peer that never completes its handshake should not hold a connection slot for 2 minutes.
            handshakeTimeout: Math.min(mllp.idleTimeoutMs, 10_000),
          },
          (socket) => this.accept(socket, 'tls'),
        )
      : net.createServer((socket) => this.accept(socket, 'tcp'));
    if (server instanceof tls.Server) {
      // A failed handshake never becomes a connection; count it (port scanners, wrong certificates).
      server.on('tlsClientError', () => this.metrics.framing.inc({ event: 'tls_error' }));
    }
    server.maxConnections = mllp.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(mllp.port, mllp.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.error(`MLLP listener: ${error.message}`));
    this.server = server;
    this.address = server.address() as AddressInfo;
    if (mllp.peerAuthentication === 'none') {
      this.logger.warn('MLLP peers are not authenticated (MLLP_PEER_AUTHENTICATION=none): local use only');
    }
    this.logger.log(
      `MLLP ${this.tls ? (mllp.tls?.caFile ? 'over mutual TLS ' : 'over TLS ') : ''}listening on ${this.address.address}:${this.address.port} (max message ${mllp.maxMessageBytes} bytes, idle timeout ${mllp.idleTimeoutMs} ms)`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server || this.stopping) return;
    this.stopping = true;
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = this.config.gateway.produceTimeoutMs + 2000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.connections].map((connection) => connection.close())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline))),
    ]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.destroy();
    await serverClosed;
    this.server = null;
    this.address = null;
    this.logger.log('MLLP listener stopped');
  }

  private accept(socket: Socket, transport: 'tcp' | 'tls'): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const { maxMessageBytes, idleTimeoutMs, frameTimeoutMs, maxConnectionsPerPeer } =
      this.config.gateway.mllp;
    const address = peerAddress(socket.remoteAddress ?? '');
    const open = this.perPeer.get(address) ?? 0;
    if (open >= maxConnectionsPerPeer) {
      // One peer must not hold every slot (slow or stuck senders, or a flood): the rest of the sites still connect.
      this.metrics.framing.inc({ event: 'peer_limit' });
      this.logger.warn(
        `MLLP connection from ${address} refused: ${open} already open (MLLP_MAX_CONNECTIONS_PER_PEER)`,
      );
      socket.destroy();
      return;
    }
    this.perPeer.set(address, open + 1);
    this.metrics.connections.inc({ transport });
    this.metrics.connectionsOpen.inc();
    const peer = this.peerOf(socket, address);
    const connection = new MllpConnection(
      socket,
      { maxMessageBytes, idleTimeoutMs, frameTimeoutMs },
      {
        message: (payload) => this.answer(payload, peer),
        oversize: (head, limit) => this.intake.refuseOversize(head, limit, 'mllp'),
        streamEvent: (event, bytes) => this.streamEvent(event, bytes),
      },
    );
    this.connections.add(connection);
    void connection.closed.then(() => {
      this.connections.delete(connection);
      const left = (this.perPeer.get(address) ?? 1) - 1;
      if (left > 0) this.perPeer.set(address, left);
      else this.perPeer.delete(address);
      this.metrics.connectionsOpen.dec();
    });
  }

  /** The peer as TLS and TCP saw it: its address and, under mutual TLS, the certificate it presented. */
  private peerOf(socket: Socket, address: string): MllpPeer {
    if (!(socket instanceof tls.TLSSocket)) return { address, certificate: null };
    const certificate = socket.getPeerCertificate();
    if (!certificate || !certificate.fingerprint256) return { address, certificate: null };
    return {
      address,
      certificate: { fingerprint256: certificate.fingerprint256, trusted: socket.authorized },
    };
  }

  private async answer(payload: Buffer, peer: MllpPeer): Promise<string> {
    const received: ReceivedHl7 = {
      raw: payload,
      channel: 'mllp',
      receivedAt: this.clock.now(),
      peer: peer.address,
    };
    try {
      if (this.config.gateway.mllp.peerAuthentication === 'none')
        return (await this.intake.take(received)).ack;
      // The registrations are read per message, so a change (a revoked certificate) acts on open connections too.
      const parse = this.intake.read(received);
      const authenticated = this.senders.directory.authenticate(peer);
      const check = authenticated.ok ? hl7SenderCheck(authenticated.senders, parse) : authenticated;
      if (!check.ok) return (await this.intake.refuseSender(received, parse, check.reason)).ack;
      return (await this.intake.take({ ...received, authenticatedSender: check.sender.sender }, parse)).ack;
    } catch (error) {
      // Never an unanswered frame, never a positive answer for a fate we do not know: AR, send again.
      this.logger.error(`MLLP message not taken: ${(error as Error)?.message ?? String(error)}`);
      return this.intake.refuseOnError(received);
    }
  }

  private streamEvent(event: MllpStreamEvent, bytes?: number): void {
    this.metrics.framing.inc({ event });
    // Oversize frames are logged with their MSH-10 where they are answered.
    if (event === 'handler_failed') {
      this.logger.error('MLLP connection cut: a message could not be answered');
    } else if (event === 'truncated' || event === 'restarted') {
      this.logger.warn(`MLLP ${event}${bytes === undefined ? '' : ` (${bytes} bytes)`}`);
    } else {
      this.logger.debug(`MLLP ${event}${bytes === undefined ? '' : ` (${bytes} bytes)`}`);
    }
  }
}
