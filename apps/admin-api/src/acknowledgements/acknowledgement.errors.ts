import { DomainError } from '../common/domain.errors';

/** The acknowledgement link has expired (410): the person opens the alert from the list instead. */
export class LinkExpiredError extends DomainError {
  readonly status = 410;
}
