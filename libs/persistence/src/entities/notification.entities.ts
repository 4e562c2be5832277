/**
 * The table declarations replaced the entities (`../tables`). This file stays only for `delivery.repository.ts`,
 * which imports the outcome type from here; that import moves to `../tables` with the repository's restructure.
 */
export { type DeliveryOutcome } from '../tables/notification.tables';
