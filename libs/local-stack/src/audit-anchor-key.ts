import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A fresh Ed25519 key for the audit chain's anchors, in `dir` (one per demo run or test stack; a deployment
 * makes its own, apps/admin-api/README.md "Audit log"), and the environment that points the admin API and `audit:verify` at it
 * and at an anchor file beside it.
 */
export async function localAuditAnchorEnv(dir: string): Promise<Record<string, string>> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const keyFile = join(dir, 'audit-anchor-key.pem');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { AUDIT_ANCHOR_KEY_FILE: keyFile, AUDIT_ANCHOR_FILE: join(dir, 'audit-anchors.jsonl') };
}
