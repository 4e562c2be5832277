import { type RequestActor } from './request-actor';
import { type SqlBuilder } from './sql-builder';

/**
 * Which patients a caller may see (HIPAA minimum necessary): admins and auditors every patient; a clinician
 * only the patients of the care teams they belong to. Applied in the SQL of every query that returns patient
 * data, so a forgotten check in a controller cannot widen it. Decided by the roles the caller acts in on this
 * route (`actingRoles`), not all they hold: a clinician who is also an auditor acknowledges, and sees patients,
 * as a clinician (their teams'), and reads every patient's alerts only where an auditor may.
 */
export type PatientScope = { kind: 'all' } | { kind: 'care-teams-of'; userId: string } | { kind: 'none' };

export function patientScopeOf(actor: Pick<RequestActor, 'principal' | 'actingRoles'>): PatientScope {
  const { principal } = actor;
  if (!principal || principal.kind !== 'user') return { kind: 'none' };
  const roles: readonly string[] = actor.actingRoles;
  if (roles.includes('admin') || roles.includes('auditor')) return { kind: 'all' };
  if (roles.includes('clinician')) return { kind: 'care-teams-of', userId: principal.userId };
  return { kind: 'none' };
}

/** Adds the scope's condition on a care-team column (`p.care_team_id`) to a query. */
export function applyPatientScope(sql: SqlBuilder, scope: PatientScope, careTeamColumn: string): SqlBuilder {
  switch (scope.kind) {
    case 'all':
      return sql;
    case 'care-teams-of':
      return sql.where(
        `${careTeamColumn} IN (SELECT care_team_id FROM care_team_members WHERE user_id = ${sql.p(scope.userId)})`,
      );
    case 'none':
      return sql.where('false');
  }
}
