import 'reflect-metadata';
import { hashPassword, MIN_PASSWORD_LENGTH } from '@alem/access';
import { AuditRepository, createDataSource } from '@alem/persistence';
import { loadConfig } from '@alem/runtime';

/**
 * `ADMIN_EMAIL=... ADMIN_PASSWORD=... npm run admin:create` (`node dist/apps/admin-api/src/create-admin.cli.js`):
 * the first admin of a new installation, or a password reset for an admin locked out. Audited as the
 * system component `create-admin-cli`.
 */
export async function createAdmin(
  url: string,
  email: string,
  password: string,
  displayName = 'Administrator',
): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new Error(`the password needs ${MIN_PASSWORD_LENGTH} characters or more`);
  const hash = await hashPassword(password);
  const ds = createDataSource({ url, poolSize: 1, applicationName: 'alem-create-admin' });
  await ds.initialize();
  try {
    return await ds.transaction(async (m) => {
      const [row]: Array<{ id: string; inserted: boolean }> = await m.query(
        `INSERT INTO users (email, display_name, roles, password_hash, active) VALUES ($1, $2, '{admin}', $3, true)
         ON CONFLICT (email) DO UPDATE SET roles = array(SELECT DISTINCT unnest(users.roles || '{admin}'::text[])),
           password_hash = EXCLUDED.password_hash, active = true
         RETURNING id, (xmax = 0) AS inserted`,
        [email.toLowerCase(), displayName, hash],
      );
      await new AuditRepository(ds).append(m, [
        {
          actor: { type: 'system', id: 'create-admin-cli', label: 'create-admin-cli' },
          action: row!.inserted ? 'user.create' : 'user.update',
          entityType: 'user',
          entityId: row!.id,
          dataCategory: 'access-control',
          detail: { email: email.toLowerCase(), roles: ['admin'], passwordChanged: true },
        },
      ]);
      return row!.id;
    });
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  const email = process.env.ADMIN_EMAIL;
  const password = process.env.ADMIN_PASSWORD;
  if (!email || !password) {
    console.error('set ADMIN_EMAIL and ADMIN_PASSWORD');
    process.exit(1);
  }
  createAdmin(loadConfig().database.url, email, password).then(
    (id) => {
      process.stdout.write(`admin ${email.toLowerCase()} ready (user ${id})\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
