import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { AuditAnchors, AuditRepository, type SignedAuditAnchor } from '@alem/persistence';
import { APP_CONFIG, type AppConfig, Clock, ConfigError } from '@alem/runtime';
import { ConflictError } from '../common/domain.errors';
import { auditActorOf, type RequestActor } from '../common/request-actor';

/** The configured anchors (`AuditAnchors | null`); the key is read at boot, so a bad key stops the boot. */
export const AUDIT_ANCHORS = Symbol('AUDIT_ANCHORS');

export const auditAnchorsProvider: Provider = {
  provide: AUDIT_ANCHORS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): Promise<AuditAnchors | null> => {
    if (config.auditAnchor) return AuditAnchors.fromFiles(config.auditAnchor);
    // Fails closed like the secrets: in production an unanchored chain cannot show an edit by the owner.
    if (config.env === 'production') {
      throw new ConfigError(
        'AUDIT_ANCHOR_FILE and AUDIT_ANCHOR_KEY_FILE are required with NODE_ENV=production: without anchors ' +
          'the audit chain cannot show an edit by the database owner (make the key: openssl genpkey -algorithm ed25519 -out audit-anchor-key.pem)',
      );
    }
    return Promise.resolve(null);
  },
};

/**
 * Anchors the audit chain head outside the database: every `AUDIT_ANCHOR_INTERVAL_MS` (and once at boot) when
 * the head moved, and on an admin's request. The admin API runs it because it holds the audit module and
 * the key stays with one app. Several instances each anchor on their own timer: the same head appended twice
 * is harmless, and each instance skips a head it has already anchored. Timer anchors are not audited (each
 * audit row would move the head and so call for the next anchor); requested ones are.
 */
@Injectable()
export class AuditAnchorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditAnchorService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastAnchoredHash: string | null = null;

  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_ANCHORS) private readonly anchors: AuditAnchors | null,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = this.config.auditAnchor?.intervalMs ?? 0;
    if (!this.anchors) {
      this.logger.warn(
        'audit chain not anchored (AUDIT_ANCHOR_FILE, AUDIT_ANCHOR_KEY_FILE unset): the chain alone cannot show ' +
          'an edit by the database owner',
      );
      return;
    }
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running || !this.anchors) return;
    const anchors = this.anchors;
    this.running = (async () => {
      const head = await this.audit.head();
      if (!head || head.hash === this.lastAnchoredHash) return;
      const anchor = await this.audit.anchor(anchors, this.clock.now());
      this.lastAnchoredHash = anchor?.hash ?? null;
    })()
      .catch((error: unknown) => {
        this.logger.warn(`audit anchor failed: ${(error as Error).message}; the next interval retries`);
      })
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }

  /** Anchors the head now, for an admin; the request is audited with the anchor it wrote. */
  async anchorOnRequest(actor: RequestActor): Promise<SignedAuditAnchor> {
    if (!this.anchors) {
      throw new ConflictError(
        'the audit chain is not anchored here: set AUDIT_ANCHOR_FILE and AUDIT_ANCHOR_KEY_FILE',
      );
    }
    const anchor = await this.audit.anchor(this.anchors, this.clock.now());
    // Only an installation whose log is empty (no sign-in ever recorded) has no head.
    if (!anchor) throw new ConflictError('the audit log is empty: nothing to anchor');
    this.lastAnchoredHash = anchor.hash;
    await this.audit.appendAlone([
      {
        actor: auditActorOf(actor),
        action: 'audit.anchor',
        entityType: 'audit-log',
        entityId: anchor.seq,
        dataCategory: 'audit-log',
        detail: { ...anchor, sink: this.anchors.sink.description },
        at: this.clock.now(),
      },
    ]);
    return anchor;
  }
}
