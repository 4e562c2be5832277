import 'reflect-metadata';
import { AuditAnchors, AuditRepository, createDataSource } from '@alem/persistence';
import { type AppConfig, loadConfig } from '@alem/runtime';

/**
 * `npm run audit:verify` (`node dist/apps/admin-api/src/audit-verify.cli.js`): recomputes the audit log's
 * hash chain against DATABASE_URL, checks it against the signed anchors (AUDIT_ANCHOR_FILE, verified with the
 * public key of AUDIT_ANCHOR_KEY_FILE and of AUDIT_ANCHOR_RETIRED_PUBLIC_KEY_FILES) and prints the verdict as
 * JSON. Exit code 0 when intact, 2 when a link or an anchor fails (the first failing row is named by seq and
 * id), 1 when the check could not run. The check is itself recorded in the audit log (actor: system
 * `audit-verify-cli`).
 */
export async function runAuditVerification(
  config: Pick<AppConfig, 'database' | 'auditAnchor'>,
  write: (line: string) => void,
): Promise<number> {
  const anchors = config.auditAnchor ? await AuditAnchors.fromFiles(config.auditAnchor) : null;
  const ds = createDataSource({
    url: config.database.url,
    poolSize: 1,
    applicationName: 'alem-audit-verify',
  });
  await ds.initialize();
  try {
    const audit = new AuditRepository(ds);
    const result = await audit.verifyAndRecord(
      { type: 'system', id: 'audit-verify-cli', label: 'audit-verify-cli' },
      { anchors },
    );
    write(JSON.stringify(result, null, 2));
    write(verdict(result));
    return result.ok ? 0 : 2;
  } finally {
    await ds.destroy();
  }
}

function verdict(result: Awaited<ReturnType<AuditRepository['verify']>>): string {
  const anchored = result.anchors
    ? `; anchors: ${result.anchors.checked} read from ${result.anchors.sink}, last good seq ${result.anchors.lastGood?.seq ?? '-'}`
    : '; not anchored (AUDIT_ANCHOR_FILE unset)';
  if (result.ok) {
    return `audit log intact: ${result.rowsChecked} rows, head seq ${result.head?.seq ?? '-'} hash ${result.head?.hash ?? '-'}${anchored}`;
  }
  if (result.firstBreak) {
    const b = result.firstBreak;
    return `audit log BROKEN at seq ${b.seq} (id ${b.id}): ${b.reason}`;
  }
  const a = result.anchors!;
  const problem = a.problems[0]!;
  const row = a.firstFailure
    ? `first failing row seq ${a.firstFailure.seq} (id ${a.firstFailure.id ?? 'removed'}) after the last good anchor (seq ${a.lastGood?.seq ?? 'none'})`
    : 'no row fails';
  return `audit log BROKEN by its anchors: ${row}; anchor at line ${problem.line} of ${a.sink}: ${problem.reason}`;
}

if (require.main === module) {
  runAuditVerification(loadConfig(), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
