import { type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type AddressInfo } from 'node:net';
import { NotifierModule, type NotifierOptions } from './notifier.module';
import { SmsCallbackUrl } from './sms-callback-url';

/**
 * The notifier as an HTTP app: SMS delivery receipts (POST /sms/status, checked against the raw body the provider
 * signed), GET /health, GET /metrics. Configured, not yet listening: see `listenNotifier`.
 */
export async function createNotifierApp(
  options: NotifierOptions,
  nestOptions: NestApplicationOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(NotifierModule.forRoot(options), {
    ...nestOptions,
    rawBody: true,
  });
  app.disable('x-powered-by');
  return app;
}

/**
 * Binds (port 0: any free port) and returns the port; without a configured SMS_STATUS_CALLBACK_URL, receipts are
 * asked for at the address it got.
 */
export async function listenNotifier(
  app: NestExpressApplication,
  port: number,
  host?: string,
): Promise<number> {
  await (host ? app.listen(port, host) : app.listen(port));
  const bound = (app.getHttpServer().address() as AddressInfo).port;
  app.get(SmsCallbackUrl).listeningOn(bound);
  return bound;
}
