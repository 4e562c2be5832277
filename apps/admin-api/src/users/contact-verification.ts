/**
 * What happens after a contact point is created or its address changed: it is stored unverified (the notifier
 * sends alerts to verified contacts only) and a verification is requested — a test message with a code the
 * person confirms (`OutboxContactVerification` in contacts/, wired in `UserModule`).
 */
export abstract class ContactVerification {
  abstract requestVerification(contactPointId: string): Promise<void>;
}
