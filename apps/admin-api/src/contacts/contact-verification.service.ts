import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { verificationCode, verificationCodeMatches } from '@alem/notifications';
import { ContactVerificationRepository } from '@alem/persistence';
import { type AppConfig, Clock, InjectConfig } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { ACK_TOKEN_SECRET } from '../acknowledgements/acknowledgement.service';
import { AuditedTransactions } from '../common/audited-transaction';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  TooManyAttemptsError,
} from '../common/domain.errors';
import { type RequestActor, userOf } from '../common/request-actor';
import { ContactVerification } from '../users/contact-verification';
import { LinkExpiredError } from '../acknowledgements/acknowledgement.errors';
import { type VerificationRequestView, type VerifiedContactView } from './contact-verification.dto';
import { ContactConfirmationRepository, type VerifiedContactRow } from './contact-verification.repository';

/** Wrong codes a verification takes before it is spent (then: ask for a new code). */
export const MAX_CONFIRM_ATTEMPTS = 5;

/**
 * How many codes may be asked for: each one is a message to a phone or mailbox (and an SMS costs money), so
 * neither one contact point nor one person may be flooded. Counted in Redis with the API's rate limits.
 */
export const VERIFICATION_REQUEST_LIMITS = {
  perContactPoint: { limit: 3, windowMs: 15 * 60_000 },
  perRequester: { limit: 6, windowMs: 60 * 60_000 },
} as const;

/**
 * Contact verification (anchors §4 item 14): before a contact point receives alerts, a test message with a
 * six-digit code goes to it through its own channel (the notifier sends it), and the person it belongs to
 * enters the code while signed in; only then is `verified_at` set. Admins may start a verification for anyone;
 * everyone else for their own contact points; only the owner confirms.
 */
@Injectable()
export class ContactVerificationService {
  constructor(
    private readonly verifications: ContactVerificationRepository,
    private readonly confirmations: ContactConfirmationRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(ACK_TOKEN_SECRET) private readonly secret: string,
    @InjectThrottlerStorage() private readonly counters: ThrottlerStorage,
  ) {}

  /** Counts one request for a code against both limits; refuses (429) once either is spent. */
  private async countRequest(contactPointId: string, requesterId: string): Promise<void> {
    const { perContactPoint, perRequester } = VERIFICATION_REQUEST_LIMITS;
    const checks = [
      { key: `contact-point:${contactPointId}`, ...perContactPoint, what: 'this contact point' },
      { key: `requester:${requesterId}`, ...perRequester, what: 'you' },
    ];
    for (const check of checks) {
      const { isBlocked, timeToBlockExpire } = await this.counters.increment(
        check.key,
        check.windowMs,
        check.limit,
        check.windowMs,
        'verification-request',
      );
      if (isBlocked) {
        const minutes = Math.max(1, Math.ceil(timeToBlockExpire / 60));
        throw new TooManyAttemptsError(
          `Too many verification codes asked for ${check.what} (at most ${check.limit} in ` +
            `${check.windowMs / 60_000} minutes); try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
        );
      }
    }
  }

  /** The contact point, if the caller may act on it (its owner, or an admin when `adminMay`). */
  private async contact(
    m: EntityManager,
    actor: RequestActor,
    id: string,
    adminMay: boolean,
  ): Promise<VerifiedContactRow> {
    const user = userOf(actor);
    const row = await this.confirmations.lockContactPoint(m, id);
    const mayAct = row && (row.user_id === user.userId || (adminMay && user.roles.includes('admin')));
    // Someone else's contact point is answered like none at all.
    if (!row || !mayAct) throw new NotFoundError('Contact point');
    return row;
  }

  async start(actor: RequestActor, contactPointId: string): Promise<VerificationRequestView> {
    const user = userOf(actor);
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const contact = await this.contact(m, actor, contactPointId, true);
      await this.countRequest(contactPointId, user.userId);
      const requested = await this.verifications.request(m, {
        contactPointId,
        requestedBy: user.userId,
        now: this.clock.now(),
        ttlMs: this.config.notify.contactVerificationTtlMs,
      });
      trail.record({
        action: 'contact-point.verification-request',
        entityType: 'contact-point',
        entityId: contactPointId,
        detail: { verificationId: requested!.id, channel: contact.channel, userId: contact.user_id },
      });
      return {
        verificationId: requested!.id,
        contactPointId,
        channel: requested!.channel,
        expiresAt: requested!.expiresAt.toISOString(),
      };
    });
  }

  async confirm(actor: RequestActor, contactPointId: string, code: string): Promise<VerifiedContactView> {
    const user = userOf(actor);
    const now = this.clock.now();
    const outcome = await this.audited.run(actor, 'configuration', async (m, trail) => {
      const contact = await this.contact(m, actor, contactPointId, false);
      const v = await this.confirmations.lockPending(m, contactPointId);
      if (!v) return { kind: 'none' as const };
      if (v.address !== contact.address) return { kind: 'changed' as const };
      if (v.expires_at.getTime() <= now.getTime()) {
        await this.confirmations.expire(m, v.id);
        return { kind: 'expired' as const };
      }
      const matches = verificationCodeMatches(verificationCode(this.secret, v.id), code);
      if (!matches) {
        const attempts = v.confirm_attempts + 1;
        const spent = attempts >= MAX_CONFIRM_ATTEMPTS;
        await this.confirmations.countWrongCode(m, v.id, attempts, spent);
        trail.record({
          action: 'contact-point.verify',
          entityType: 'contact-point',
          entityId: contactPointId,
          outcome: 'failure',
          detail: { verificationId: v.id, attempts, spent },
        });
        return {
          kind: spent ? ('spent' as const) : ('wrong' as const),
          left: MAX_CONFIRM_ATTEMPTS - attempts,
        };
      }
      await this.confirmations.confirm(m, v.id, contactPointId, user.userId, now);
      trail.record({
        action: 'contact-point.verify',
        entityType: 'contact-point',
        entityId: contactPointId,
        detail: {
          verificationId: v.id,
          channel: contact.channel,
          before: { verifiedAt: contact.verified_at?.toISOString() ?? null },
          after: { verifiedAt: now.toISOString() },
        },
      });
      return { kind: 'confirmed' as const, contact };
    });
    switch (outcome.kind) {
      case 'none':
        throw new ConflictError('No verification is waiting for this contact point; ask for a new code');
      case 'changed':
        throw new ConflictError('The address changed since the code was sent; ask for a new code');
      case 'expired':
        throw new LinkExpiredError('The code has expired; ask for a new one');
      case 'spent':
        throw new TooManyAttemptsError('Too many wrong codes; ask for a new one');
      case 'wrong':
        throw new InvalidInputError('The code is not the one sent', [
          { path: 'body.code', message: `wrong code (${outcome.left} tries left)` },
        ]);
      case 'confirmed':
        return {
          id: outcome.contact.id,
          userId: outcome.contact.user_id,
          channel: outcome.contact.channel,
          address: outcome.contact.address,
          verifiedAt: now.toISOString(),
        };
    }
  }
}

/**
 * The admin API's `ContactVerification`: a new or changed contact point gets a verification request (the
 * notifier sends the code through that channel), audited. Wired in `UserModule`.
 */
@Injectable()
export class OutboxContactVerification extends ContactVerification {
  private readonly logger = new Logger(OutboxContactVerification.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly verifications: ContactVerificationRepository,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    super();
  }

  async requestVerification(contactPointId: string): Promise<void> {
    await this.dataSource.transaction((m) =>
      this.verifications.request(m, {
        contactPointId,
        requestedBy: null,
        now: this.clock.now(),
        ttlMs: this.config.notify.contactVerificationTtlMs,
      }),
    );
    this.logger.log(`contact point ${contactPointId}: verification requested`);
  }
}
