import { applyPatientScope, patientScopeOf } from './patient-scope';
import { SqlBuilder } from './sql-builder';

describe('patient scope (minimum necessary)', () => {
  it('gives admins and auditors every patient, a clinician their teams’, anybody else none', () => {
    expect(patientScopeOf({ kind: 'user', userId: 'a', email: 'a', roles: ['admin'] })).toEqual({
      kind: 'all',
    });
    expect(patientScopeOf({ kind: 'user', userId: 'b', email: 'b', roles: ['auditor'] })).toEqual({
      kind: 'all',
    });
    expect(patientScopeOf({ kind: 'user', userId: 'c', email: 'c', roles: ['clinician'] })).toEqual({
      kind: 'care-teams-of',
      userId: 'c',
    });
    expect(patientScopeOf({ kind: 'user', userId: 'd', email: 'd', roles: [] })).toEqual({ kind: 'none' });
    expect(patientScopeOf({ kind: 'api-key', keyId: 'k', sender: 'L^F', roles: ['integration'] })).toEqual({
      kind: 'none',
    });
    expect(patientScopeOf(null)).toEqual({ kind: 'none' });
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
