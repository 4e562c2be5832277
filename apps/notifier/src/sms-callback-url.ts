import { Injectable, Logger } from '@nestjs/common';
import { type AppConfig, InjectConfig } from '@alem/runtime';

/** The path the notifier serves SMS delivery receipts on. */
export const SMS_STATUS_PATH = '/sms/status';

/**
 * The URL the SMS provider posts delivery receipts to, which is also the URL their signatures cover:
 * SMS_STATUS_CALLBACK_URL as the provider reaches us (behind a proxy, the public one). Without it, the
 * notifier's own listening address once it listens (local runs and tests); without either, SMS go out
 * without receipts and an accepted SMS counts as sent.
 */
@Injectable()
export class SmsCallbackUrl {
  private readonly logger = new Logger(SmsCallbackUrl.name);
  private url: string | null;

  constructor(@InjectConfig() private readonly config: AppConfig) {
    this.url = config.notify.sms?.statusCallbackUrl ?? null;
  }

  get(): string | null {
    return this.url;
  }

  /** Called once the HTTP server listens; keeps a configured URL. */
  listeningOn(port: number): void {
    if (this.url || !this.config.notify.sms) return;
    this.url = `http://127.0.0.1:${port}${SMS_STATUS_PATH}`;
    if (this.config.env === 'production') {
      this.logger.warn(
        `SMS_STATUS_CALLBACK_URL is not set: receipts are asked for at ${this.url}, which a provider cannot reach`,
      );
    }
  }
}
