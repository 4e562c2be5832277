import { readFileSync } from 'node:fs';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type AppConfig, Clock, InjectConfig } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';
import { Hl7IntakeService } from '../intake/hl7-intake.service';
import { MllpConnection, type MllpStreamEvent } from './mllp.connection';

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

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly intake: Hl7IntakeService,
    private readonly metrics: GatewayMetrics,
    private readonly clock: Clock,
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
    const { mllp } = this.config.gateway;
    const server = mllp.tls
      ? tls.createServer(
          {
            cert: readFileSync(mllp.tls.certFile),
            key: readFileSync(mllp.tls.keyFile),
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
    this.logger.log(
      `MLLP ${this.tls ? 'over TLS ' : ''}listening on ${this.address.address}:${this.address.port} (max message ${mllp.maxMessageBytes} bytes, idle timeout ${mllp.idleTimeoutMs} ms)`,
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
    this.metrics.connections.inc({ transport });
    this.metrics.connectionsOpen.inc();
    const { maxMessageBytes, idleTimeoutMs } = this.config.gateway.mllp;
    const connection = new MllpConnection(
      socket,
      { maxMessageBytes, idleTimeoutMs },
      {
        message: (payload) => this.answer(payload),
        oversize: (head, limit) => this.intake.refuseOversize(head, limit, 'mllp'),
        streamEvent: (event, bytes) => this.streamEvent(event, bytes),
      },
    );
    this.connections.add(connection);
    void connection.closed.then(() => {
      this.connections.delete(connection);
      this.metrics.connectionsOpen.dec();
    });
  }

  private async answer(payload: Buffer): Promise<string> {
    const received = { raw: payload, channel: 'mllp' as const, receivedAt: this.clock.now() };
    try {
      return (await this.intake.take(received)).ack;
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
