import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestStack, type TestStack } from '../support/test-stack';

const ROOT = path.resolve(__dirname, '../..');

interface Exit {
  /** null: still running when it printed `startedWhen` or the wait was over (then it is stopped). */
  code: number | null;
  output: string;
}

/**
 * Runs a built app (`npm run build`: what a deployment runs) with the test stack's environment (a database, a
 * broker, Redis, SMTP) minus the variables named, until it exits, prints `startedWhen`, or 20 s pass.
 */
function runBuiltApp(
  entry: string,
  env: Record<string, string>,
  without: string[],
  startedWhen = /successfully started/,
): Promise<Exit> {
  const file = path.join(ROOT, 'dist', entry);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of without) delete childEnv[name];
  const child = spawn(process.execPath, [file], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve) => {
    const stillRunning = () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
      resolve({ code: null, output });
    };
    const timer = setTimeout(stillRunning, 20000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (startedWhen.test(output)) stillRunning();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Secrets fail closed (issue 14, item 3): a built app started without a secret it needs refuses to start and
 * says which variable and how to make one, whatever NODE_ENV says (there is no public development key to fall
 * back to). The same app with its secrets starts.
 */
describe('built apps without their secrets', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('the admin API refuses to start without JWT_SECRET, NODE_ENV unset', async () => {
    const exit = await runBuiltApp('apps/admin-api/src/main.js', stack.env(), ['JWT_SECRET', 'NODE_ENV']);
    expect(exit.code).not.toBeNull();
    expect(exit.code).not.toBe(0);
    expect(exit.output).toMatch(/JWT_SECRET is not set/);
    expect(exit.output).toContain('JWT_SECRET=$(openssl rand -base64 48)');
  });

  it('the notifier refuses to start without ACK_TOKEN_SECRET, even with NODE_ENV=development', async () => {
    const exit = await runBuiltApp('apps/notifier/src/main.js', { ...stack.env(), NODE_ENV: 'development' }, [
      'ACK_TOKEN_SECRET',
    ]);
    expect(exit.code).not.toBeNull();
    expect(exit.code).not.toBe(0);
    expect(exit.output).toMatch(/ACK_TOKEN_SECRET is not set/);
    expect(exit.output).toContain('ACK_TOKEN_SECRET=$(openssl rand -base64 48)');
  });

  it('the admin API refuses to start in production without the audit anchors (issue 14 item 6)', async () => {
    const exit = await runBuiltApp('apps/admin-api/src/main.js', { ...stack.env(), NODE_ENV: 'production' }, [
      'AUDIT_ANCHOR_FILE',
      'AUDIT_ANCHOR_KEY_FILE',
    ]);
    expect(exit.code).not.toBeNull();
    expect(exit.code).not.toBe(0);
    expect(exit.output).toContain(
      'AUDIT_ANCHOR_FILE and AUDIT_ANCHOR_KEY_FILE are required with NODE_ENV=production',
    );
  });

  it('the ingest gateway refuses to start in production with plain-text MLLP, or an open one (issue 14 item 1)', async () => {
    const env = { ...stack.env(), NODE_ENV: 'production', MLLP_PORT: '0', GATEWAY_HTTP_PORT: '0' };
    const plain = await runBuiltApp('apps/ingest-gateway/src/main.js', env, []);
    expect(plain.code).not.toBeNull();
    expect(plain.code).not.toBe(0);
    expect(plain.output).toContain('the MLLP listener speaks TLS only');
    const open = await runBuiltApp(
      'apps/ingest-gateway/src/main.js',
      { ...env, MLLP_PEER_AUTHENTICATION: 'none' },
      [],
    );
    expect(open.code).not.toBe(0);
    expect(open.output).toContain('never with NODE_ENV=production');
  });

  it('the admin API with its secrets starts (the refusal was about the secret)', async () => {
    const exit = await runBuiltApp('apps/admin-api/src/main.js', { ...stack.env(), LOG_LEVEL: 'info' }, []);
    expect(exit.output).not.toMatch(/is not set/);
    expect(exit.code).toBeNull();
    expect(exit.output).toMatch(/successfully started/);
  });
});
