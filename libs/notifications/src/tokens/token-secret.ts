import { type AppConfig, requiredSecret } from '@alem/runtime';

/**
 * The key of acknowledgement links and verification codes, shared by the notifier (which signs) and the admin
 * API (which checks). Required always: without it the app refuses to start (`requiredSecret`).
 */
export function ackTokenSecret(config: AppConfig): string {
  return requiredSecret(
    'ACK_TOKEN_SECRET',
    config.notify.ackTokenSecret,
    'acknowledgement links and contact verification codes are signed with it (notifier and admin API alike)',
  );
}
