import { type ApiKeyPrincipal, type SenderCredentials } from '@alem/access';
import { type RegisteredSenders } from '../senders/registered-senders';
import { retryLater } from './ingest.errors';

/**
 * The registration of an API key's sender, or why it may report for no one (unregistered); 503 when the
 * registrations cannot be read.
 */
export async function keySenderRegistration(
  senders: RegisteredSenders,
  lab: ApiKeyPrincipal,
): Promise<SenderCredentials | string> {
  let found: SenderCredentials | undefined;
  try {
    found = await senders.named(lab.sender);
  } catch {
    throw retryLater('The sender registration cannot be read right now; retry');
  }
  return (
    found ??
    `sender ${lab.sender} is not registered (an admin registers it, with the assigning authorities it reports for)`
  );
}
