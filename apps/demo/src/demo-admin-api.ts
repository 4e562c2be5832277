import { type DataSource } from 'typeorm';
import { hashPassword } from '@alem/access';

/** DEVELOPMENT ONLY: the password of the demo's people, printed by the demo. Never a real installation's. */
export const DEMO_PASSWORD = 'demo-password-2026';
export const DEMO_ADMIN = 'admin@demo-hospital.test';
export const DEMO_CLINICIAN = 'neurologist@demo-hospital.test';

/** Gives the demo's admin (created here) and its neurologist (a care-team member) the demo password. */
export async function seedDemoLogins(ds: DataSource): Promise<void> {
  const hash = await hashPassword(DEMO_PASSWORD);
  await ds.query(
    `INSERT INTO users (email, display_name, roles, password_hash) VALUES ($1, 'Demo Admin', '{admin}', $2)
     ON CONFLICT (email) DO UPDATE SET roles = '{admin}', password_hash = EXCLUDED.password_hash`,
    [DEMO_ADMIN, hash],
  );
  await ds.query(`UPDATE users SET password_hash = $2, roles = '{clinician}' WHERE email = $1`, [
    DEMO_CLINICIAN,
    hash,
  ]);
}

/** One admin API call over HTTP, JSON in and out; a non-2xx answer throws with its body. */
export async function call<T>(
  base: string,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: {
      'Content-Type': 'application/json',
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
    },
  });
  const body = (await response.json()) as T;
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * The closed loop through the admin API, over HTTP as a person would: the neurologist signs in, lists the
 * team's open alerts and acknowledges the first; the admin checks the audit chain.
 */
export async function showAdminApi(base: string): Promise<void> {
  type Alert = { id: string; reference: string; ruleId: string; severity: string; state: string };
  const login = async (email: string) =>
    (
      await call<{ accessToken: string }>(base, '/api/v1/auth/login', {
        method: 'POST',
        body: JSON.stringify({ email, password: DEMO_PASSWORD }),
      })
    ).accessToken;
  const clinician = await login(DEMO_CLINICIAN);
  const open = await call<{ total: number; items: Alert[] }>(base, '/api/v1/alerts?state=open', {
    token: clinician,
  });
  console.log(
    `Admin API at ${base} (OpenAPI UI ${base}/docs): ${DEMO_CLINICIAN} sees ${open.total} open alerts.`,
  );
  const first = open.items[0];
  if (first) {
    const acked = await call<Alert>(base, `/api/v1/alerts/${first.id}/acknowledge`, {
      method: 'POST',
      token: clinician,
      body: JSON.stringify({ note: 'seen in the demo' }),
    });
    console.log(`  acknowledged ${acked.reference} (${acked.ruleId}, ${acked.severity}) → ${acked.state}`);
  }
  const admin = await login(DEMO_ADMIN);
  // The head signed and kept outside the database, then the chain checked against it.
  const anchor = await call<{ seq: string }>(base, '/api/v1/audit/anchors', { method: 'POST', token: admin });
  const verify = await call<{ ok: boolean; rowsChecked: number }>(base, '/api/v1/audit/verify', {
    token: admin,
  });
  const audit = await call<{ items: Array<{ action: string }> }>(base, '/api/v1/audit?order=desc&limit=5', {
    token: admin,
  });
  console.log(
    `  audit log: ${verify.rowsChecked} rows, chain ${verify.ok ? 'intact' : 'BROKEN'} (anchored at seq ${anchor.seq}); latest: ${audit.items
      .map((r) => r.action)
      .join(', ')}`,
  );
  console.log(
    `  sign in yourself: POST ${base}/api/v1/auth/login {"email": "${DEMO_ADMIN}" or "${DEMO_CLINICIAN}", "password": "${DEMO_PASSWORD}"} (development only)\n`,
  );
}
