import * as access from './access.tables';
import * as administration from './administration.tables';
import * as alert from './alert.tables';
import * as audit from './audit.tables';
import * as browserSession from './browser-session.tables';
import * as careTeam from './care-team.tables';
import * as escalation from './escalation.tables';
import * as labSender from './lab-sender.tables';
import * as monitoring from './monitoring.tables';
import * as notification from './notification.tables';
import * as patient from './patient.tables';
import * as result from './result.tables';
import * as ruleOverride from './rule-override.tables';
import { type Table } from './table';

export { type Column, type RowOf, SERIAL, type Table } from './table';
export * from './access.tables';
export * from './administration.tables';
export * from './alert.tables';
export * from './audit.tables';
export * from './browser-session.tables';
export * from './care-team.tables';
export * from './escalation.tables';
export * from './lab-sender.tables';
export * from './monitoring.tables';
export * from './notification.tables';
export * from './patient.tables';
export * from './result.tables';
export * from './rule-override.tables';

/** Every table the migrations build (but their own `migrations`), as the code declares it. */
export const TABLES: Table[] = [
  access,
  administration,
  alert,
  audit,
  browserSession,
  careTeam,
  escalation,
  labSender,
  monitoring,
  notification,
  patient,
  result,
  ruleOverride,
].flatMap((declarations) => Object.values(declarations).filter(isTable));

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && 'name' in value && 'columns' in value;
}
