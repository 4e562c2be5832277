import { type Principal } from '@alem/access';
import { applyPatientScope, patientScopeOf } from './patient-scope';
import { SqlBuilder } from './sql-builder';

describe('patient scope (minimum necessary)', () => {
  type Roles = Array<'admin' | 'clinician' | 'auditor'>;
  /** A person holding `roles`, acting on a route that grants `acting` (by default all they hold). */
  const person = (roles: Roles, acting: Roles = roles) => ({
    principal: { kind: 'user' as const, userId: 'u', email: 'u@x.test', roles },
    actingRoles: acting,
  });

  it('gives admins and auditors every patient, a clinician their teams’, anybody else none', () => {
    expect(patientScopeOf(person(['admin']))).toEqual({ kind: 'all' });
    expect(patientScopeOf(person(['auditor']))).toEqual({ kind: 'all' });
    expect(patientScopeOf(person(['clinician']))).toEqual({ kind: 'care-teams-of', userId: 'u' });
    expect(patientScopeOf(person([]))).toEqual({ kind: 'none' });
    const lab: Principal = { kind: 'api-key', keyId: 'k', sender: 'L^F', roles: ['integration'] };
    expect(patientScopeOf({ principal: lab, actingRoles: ['integration'] })).toEqual({ kind: 'none' });
    expect(patientScopeOf({ principal: null, actingRoles: [] })).toEqual({ kind: 'none' });
  });

  it('scopes by the role the route grants, not every role held (an auditor-clinician acts as a clinician)', () => {
    expect(patientScopeOf(person(['auditor', 'clinician'], ['clinician']))).toEqual({
      kind: 'care-teams-of',
      userId: 'u',
    });
    expect(patientScopeOf(person(['auditor', 'clinician'], ['clinician', 'auditor']))).toEqual({
      kind: 'all',
    });
  });

  it('restricts in SQL, with the user id as a parameter', () => {
    const sql = new SqlBuilder().whereEquals('a.state', 'open');
    applyPatientScope(sql, { kind: 'care-teams-of', userId: "x' OR '1'='1" }, 'p.care_team_id');
    expect(sql.whereSql()).toBe(
      'WHERE a.state = $1 AND p.care_team_id IN (SELECT care_team_id FROM care_team_members WHERE user_id = $2)',
    );
    expect(sql.params).toEqual(['open', "x' OR '1'='1"]);
    expect(applyPatientScope(new SqlBuilder(), { kind: 'none' }, 'p.care_team_id').whereSql()).toBe(
      'WHERE false',
    );
    expect(applyPatientScope(new SqlBuilder(), { kind: 'all' }, 'p.care_team_id').whereSql()).toBe('');
  });
});
