import { decideAccess } from './access-decision';
import { type Principal } from './principal';

const clinician: Principal = { kind: 'user', userId: 'u1', email: 'c@x.test', roles: ['clinician'] };
const auditor: Principal = { kind: 'user', userId: 'u2', email: 'a@x.test', roles: ['auditor'] };
const adminClinician: Principal = {
  kind: 'user',
  userId: 'u3',
  email: 'ac@x.test',
  roles: ['admin', 'clinician'],
};
const lab: Principal = { kind: 'api-key', keyId: 'k', sender: 'LIS^LAB', roles: ['integration'] };

describe('decideAccess (default deny)', () => {
  it('lets anybody through a public route, signed in or not', () => {
    expect(decideAccess({ public: true, roles: null }, null)).toEqual({ allowed: true, actingRoles: [] });
    expect(decideAccess({ public: true, roles: null }, lab)).toEqual({ allowed: true, actingRoles: [] });
  });

  it('asks for authentication first (401) on any other route', () => {
    expect(decideAccess({ public: false, roles: ['admin'] }, null)).toMatchObject({ status: 401 });
    expect(decideAccess({ public: false, roles: null }, null)).toMatchObject({ status: 401 });
  });

  it('refuses a route that declares no roles, to everybody (403 undeclared)', () => {
    for (const who of [clinician, auditor, adminClinician, lab]) {
      expect(decideAccess({ public: false, roles: null }, who)).toEqual({
        allowed: false,
        status: 403,
        reason: 'undeclared',
      });
      expect(decideAccess({ public: false, roles: [] }, who)).toMatchObject({ reason: 'undeclared' });
    }
  });

  it('allows a caller holding any one of the declared roles, and refuses others (403 role)', () => {
    expect(decideAccess({ public: false, roles: ['admin', 'clinician'] }, clinician)).toEqual({
      allowed: true,
      actingRoles: ['clinician'],
    });
    expect(decideAccess({ public: false, roles: ['admin'] }, adminClinician)).toEqual({
      allowed: true,
      actingRoles: ['admin'],
    });
    expect(decideAccess({ public: false, roles: ['admin', 'clinician'] }, auditor)).toEqual({
      allowed: false,
      status: 403,
      reason: 'role',
    });
    expect(decideAccess({ public: false, roles: ['admin'] }, lab)).toMatchObject({ status: 403 });
    expect(decideAccess({ public: false, roles: ['integration'] }, lab)).toEqual({
      allowed: true,
      actingRoles: ['integration'],
    });
  });

  it('names the roles the caller acts in: only those of theirs the route grants', () => {
    const auditorClinician: Principal = { ...auditor, roles: ['auditor', 'clinician'] };
    expect(decideAccess({ public: false, roles: ['clinician', 'admin'] }, auditorClinician)).toEqual({
      allowed: true,
      actingRoles: ['clinician'],
    });
    expect(
      decideAccess({ public: false, roles: ['admin', 'clinician', 'auditor'] }, auditorClinician),
    ).toEqual({
      allowed: true,
      actingRoles: ['clinician', 'auditor'],
    });
  });
});
