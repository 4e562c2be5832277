import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  Logger,
} from '@nestjs/common';
import { type ApiKeyPrincipal } from '@alem/access';
import { ApiKeyRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { type Request } from 'express';
import { BEARER_CHALLENGE, IngestRefusal, retryLater } from './ingest.errors';

type AuthenticatedRequest = Request & { principal?: ApiKeyPrincipal };

/** The key presented as `Authorization: Bearer alem_…` or `X-API-Key: alem_…`. */
function presentedKey(request: Request): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1]! : null;
  }
  const key = request.headers['x-api-key'];
  return typeof key === 'string' && key.trim() !== '' ? key.trim() : null;
}

/**
 * Lets in labs and interface engines with a valid, unrevoked API key; the key's sender is then the only sender
 * its messages may name. 401 without a valid key; 503 when the key cannot be checked (database unreachable),
 * so the lab retries instead of concluding its key was revoked.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    private readonly apiKeys: ApiKeyRepository,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request);
    if (!key) {
      throw new IngestRefusal(
        401,
        'An API key is required (Authorization: Bearer alem_… or X-API-Key)',
        undefined,
        BEARER_CHALLENGE,
      );
    }
    let principal: ApiKeyPrincipal | null;
    try {
      principal = await this.apiKeys.authenticate(key, this.clock.now());
    } catch (error) {
      this.logger.error(`API key check failed: ${(error as Error).name}`);
      throw retryLater('The API key cannot be checked right now; retry');
    }
    if (!principal) {
      throw new IngestRefusal(
        401,
        'The API key is not valid or has been revoked',
        undefined,
        BEARER_CHALLENGE,
      );
    }
    request.principal = principal;
    return true;
  }
}

/** The authenticated lab of a request behind `ApiKeyGuard`. */
export const Lab = createParamDecorator((_: unknown, context: ExecutionContext): ApiKeyPrincipal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new IngestRefusal(401, 'An API key is required', undefined, BEARER_CHALLENGE);
  return principal;
});
