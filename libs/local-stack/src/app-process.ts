import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './repo-root';

export { REPO_ROOT };

/**
 * The processor runs as it is deployed (Dockerfile, docker-compose.yml, README): with a 512 MiB old-space
 * ceiling. Without one, V8 sizes its heap from the machine's memory (about 4 GiB here) and lets garbage pile up
 * to several hundred MiB before collecting; with it, the resident set stays near 220 MiB at the same speed.
 */
export const PROCESSOR_NODE_FLAGS = ['--max-old-space-size=512'];

export interface AppProcess {
  child: ChildProcess;
  /** Lines the process printed on stdout. */
  lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** CPU seconds used so far (user + system). */
  cpuSeconds(): number;
  stop(): Promise<void>;
  /** SIGKILL, as a crash or an OOM kill would end it: no shutdown hooks. */
  kill(): Promise<void>;
  readonly running: boolean;
}

/**
 * Starts an entry point as a process of its own: a compiled one (`apps/x/src/main.js`, a path under dist/) as
 * deployed, or a TypeScript source (`apps/x/src/main.ts`), compiled as it loads, for tests that must not depend
 * on a build.
 */
export function startProcess(
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  options: { stderr?: 'inherit' | 'ignore' } = {},
): AppProcess {
  const script = entry.endsWith('.ts')
    ? ['-r', '@swc-node/register', path.join(REPO_ROOT, entry)]
    : [path.join(REPO_ROOT, 'dist', entry)];
  const child = spawn(process.execPath, [...nodeArgs, ...script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'],
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const l of listeners) l(line);
  });
  const proc = (field: 'status' | 'stat'): string => readFileSync(`/proc/${child.pid}/${field}`, 'utf8');
  let lastRss = 0;
  let lastCpu = 0;
  return {
    child,
    lines,
    waitForLine(pattern, timeoutMs = 60000) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${entry}: no line matching ${pattern} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const listener = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
      });
    },
    peakRssMiB() {
      try {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(proc('status'))?.[1] ?? 0);
        lastRss = kb / 1024;
      } catch {
        // the process has exited: keep the last reading
      }
      return lastRss;
    },
    cpuSeconds() {
      try {
        const fields = proc('stat').split(') ')[1]!.split(' ');
        lastCpu = (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // the process has exited: keep the last reading
      }
      return lastCpu;
    },
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}
