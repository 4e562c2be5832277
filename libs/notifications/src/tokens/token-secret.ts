import { Logger } from '@nestjs/common';
import { type AppConfig, ConfigError } from '@alem/runtime';
import { INSECURE_DEV_ACK_TOKEN_SECRET } from './acknowledgement-token';

/**
 * The key of acknowledgement links and verification codes, shared by the notifier (which signs) and the admin
 * API (which checks). Required in production; elsewhere the public development key, with a warning.
 */
export function ackTokenSecret(config: AppConfig, app: string): string {
  const secret = config.notify.ackTokenSecret;
  if (secret) return secret;
  if (config.env === 'production') {
    throw new ConfigError(
      'ACK_TOKEN_SECRET is required when NODE_ENV=production (at least 32 random characters)',
    );
  }
  if (config.env === 'development') {
    new Logger(app).warn('ACK_TOKEN_SECRET is not set: acknowledgement links use the public development key');
  }
  return INSECURE_DEV_ACK_TOKEN_SECRET;
}
