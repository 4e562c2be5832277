import { spawn } from 'node:child_process';
import { REPO_ROOT } from '@alem/local-stack';

/**
 * `npm run demo`, the README's scripted tour, run to its end as a person runs it: the whole system once on the
 * embedded defaults, an alert escalated and acknowledged through the link in its email (read back and
 * acknowledged through the API behind the console's page), the closed loop through the admin API, the audit
 * chain checked. Its escalation step once read the console's page where it meant the API and failed; nothing
 * else ran it.
 */
describe('npm run demo', () => {
  it('runs the scripted tour to its end', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/demo/src/main.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, DEMO_HOLD_SECONDS: '0', NODE_ENV: 'development' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', (exitCode) => resolve({ code: exitCode, output }));
    });
    // On failure, the tour's own output says where it stopped.
    expect({ code, tail: code === 0 ? '' : output.slice(-4000) }).toEqual({ code: 0, tail: '' });
    expect(output).toMatch(/reads back: /);
    expect(output).toMatch(/Acknowledged through the link at .*; escalation stopped \(acknowledged\)/);
    expect(output).toMatch(/audit log: \d+ rows, chain intact/);
    expect(output).toMatch(/RAS\^O17 with 5 administrations of Lemtrada for .*: ACK AA/);
    expect(output).toMatch(
      /course 1 planned from the infusion record: (\d{4}-\d\d-\d\d, ){4}\d{4}-\d\d-\d\d\./,
    );
  }, 300_000);
});
