import 'reflect-metadata';
import { AuditRepository, createDataSource } from '@alem/persistence';
import { loadConfig } from '@alem/runtime';

/**
 * `npm run audit:verify` (`node dist/apps/admin-api/src/audit-verify.cli.js`): recomputes the audit log's
 * hash chain against DATABASE_URL and prints the verdict as JSON. Exit code 0 when intact, 2 when a link is
 * broken (the first one is named by seq and id), 1 when the check could not run. The check is itself
 * recorded in the audit log (actor: system `audit-verify-cli`).
 */
export async function runAuditVerification(url: string, write: (line: string) => void): Promise<number> {
  const ds = createDataSource({ url, poolSize: 1, applicationName: 'alem-audit-verify' });
  await ds.initialize();
  try {
    const audit = new AuditRepository(ds);
    const result = await audit.verifyAndRecord({
      type: 'system',
      id: 'audit-verify-cli',
      label: 'audit-verify-cli',
    });
    write(JSON.stringify(result, null, 2));
    write(
      result.ok
        ? `audit log intact: ${result.rowsChecked} rows, head seq ${result.head?.seq ?? '-'} hash ${result.head?.hash ?? '-'}`
        : `audit log BROKEN at seq ${result.firstBreak!.seq} (id ${result.firstBreak!.id}): ${result.firstBreak!.reason}`,
    );
    return result.ok ? 0 : 2;
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  runAuditVerification(loadConfig().database.url, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
