// The package's public surface: only what apps, other libraries, tests and the bench import.
export {
  type DeliveryJob,
  deliveryJobId,
  deliveryRetry,
  DISPATCH_RETRY,
  type DispatchJob,
  JOBS,
  QUEUES,
  type RetrySettings,
  type SentMessage,
  type VerificationJob,
} from './queues';
export {
  renderAlertEmail,
  renderAlertSms,
  type RenderedEmail,
  renderSummaryEmail,
  renderSummarySms,
} from './templates/alert-message.template';
export { renderDigestEmail } from './templates/digest.template';
export { renderVerificationEmail, renderVerificationSms } from './templates/verification.template';
export { classifyMailFailure, MailDriver, SmtpMailDriver } from './channels/mail.driver';
export { classifySmsFailure, DisabledSmsDriver, SmsDriver, SmsSendError } from './channels/sms.driver';
export { TwilioSmsDriver } from './channels/twilio-sms.driver';
export { isValidTwilioSignature } from './channels/twilio-signature';
export {
  type Channel,
  type EscalationPolicyDefinition,
  escalationPolicySchema,
  type EscalationTarget,
  nextEscalation,
  parseEscalationPolicy,
  policyForAlert,
  tierAt,
  tierTimeoutMs,
} from './escalation/escalation-policy';
export { type RateLimit } from './escalation/rate-limit';
export { type ContactFacts, planClaim } from './delivery/claim-plan';
export { afterFirstDispatch, chooseRecipients, groupWindowMs } from './delivery/dispatch-plan';
export { deliveryStateAfter, hurriesNextTier, nobodyReached, receiptStep } from './delivery/delivery-outcome';
export {
  ACKNOWLEDGEMENT_TOKEN_PATTERN,
  type AcknowledgementTokenClaims,
  AcknowledgementTokenError,
  signAcknowledgementToken,
  verificationCode,
  verificationCodeMatches,
  verifyAcknowledgementToken,
} from './tokens/acknowledgement-token';
export { latestDigest } from './escalation/digest-schedule';
