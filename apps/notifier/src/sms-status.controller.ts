import { Controller, Headers, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { isValidTwilioSignature } from '@alem/notifications';
import { type AppConfig, Clock, InjectConfig } from '@alem/runtime';
import { type Request, type Response } from 'express';
import { DeliveryService } from './delivery.service';
import { FailoverHandler } from './failover.handler';
import { NotifierMetrics } from './notifier.metrics';
import { SMS_STATUS_PATH, SmsCallbackUrl } from './sms-callback-url';

/**
 * The SMS provider's delivery receipts (Twilio status callbacks): form-encoded `MessageSid` and `MessageStatus`
 * (queued, sent, delivered, undelivered, failed), signed with `X-Twilio-Signature`. A receipt with a missing or
 * wrong signature is refused (403) and changes nothing; a good one updates the attempt and the delivery, and an
 * undelivered or failed SMS hands over to the next channel or tier at once.
 */
@Controller()
export class SmsStatusController {
  private readonly logger = new Logger(SmsStatusController.name);

  constructor(
    private readonly deliveries: DeliveryService,
    private readonly callbackUrl: SmsCallbackUrl,
    private readonly failover: FailoverHandler,
    private readonly clock: Clock,
    private readonly metrics: NotifierMetrics,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Post(SMS_STATUS_PATH)
  @HttpCode(204)
  async receipt(
    @Req() request: Request & { rawBody?: Buffer },
    @Res({ passthrough: true }) response: Response,
    @Headers('x-twilio-signature') signature: string | undefined,
  ): Promise<void> {
    const sms = this.config.notify.sms;
    const url = this.callbackUrl.get();
    // The exact bytes the provider signed: parse them ourselves rather than trust a parser's normalisation.
    const params = Object.fromEntries(new URLSearchParams(request.rawBody?.toString('utf8') ?? ''));
    if (!sms || !url || !isValidTwilioSignature(sms.authToken, url, params, signature)) {
      this.metrics.receiptsRefused.inc();
      this.logger.warn('SMS status callback refused: missing or invalid signature');
      response.status(403);
      return;
    }
    const providerMessageId = params['MessageSid'] ?? params['SmsSid'];
    const status = params['MessageStatus'] ?? params['SmsStatus'];
    if (!providerMessageId || !status) {
      response.status(400);
      return;
    }
    const outcome = await this.deliveries.recordReceipt({
      providerMessageId,
      status,
      errorCode: params['ErrorCode'] ?? null,
      at: this.clock.now(),
      source: 'provider',
      detail: { errorMessage: params['ErrorMessage'] ?? null },
      smsEnabled: true,
    });
    this.metrics.receipts.inc({ status: status.toLowerCase() });
    if (outcome?.changed && outcome.state === 'failed') await this.failover.handle('sms', outcome);
  }
}
