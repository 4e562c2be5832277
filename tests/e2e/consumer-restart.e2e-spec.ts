import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { asMessage, labResult } from '../support/lab-results';
import { freePort } from '../support/notifier';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

const ROOT = path.resolve(__dirname, '../..');
const JOIN_GROUP = 11;
/** The coordinator refuses the joining member: an error kafkajs does not retry, nor restart the consumer on. */
const INCONSISTENT_GROUP_PROTOCOL = 23;

interface Processor {
  child: ChildProcess;
  port: number;
  /** Everything it logged so far (pino lines on stdout, anything on stderr). */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * A processor process (as deployed: main.ts, HTTP for /health) whose consumer crashes on joining its group, on
 * an error kafkajs will not retry. Before, the process stayed up consuming nothing, and /health stayed green.
 */
describe('a processor whose consumer stopped for good', () => {
  let stack: TestStack;
  const children: ChildProcess[] = [];

  const start = async (env: Record<string, string>): Promise<Processor> => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/result-processor/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...stack.env(), HTTP_PORT: String(port), LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, port, output: () => output, exited };
  };

  const health = async (port: number) => {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return {
      status: response.status,
      body: (await response.json()) as {
        error?: Record<string, { status: string; state?: string }>;
        details: Record<string, { status: string; state?: string }>;
      },
    };
  };

  const results = async () =>
    ((await stack.dataSource.query(`SELECT count(*)::int AS n FROM results`)) as Array<{ n: number }>)[0]!.n;

  beforeAll(async () => {
    stack = await startTestStack();
    await seedDemoPatient(stack.dataSource);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stack?.stop();
  });

  it('restarts it, says so on /health and in the log meanwhile, and then stores a new result once', async () => {
    const groupId = 'refused-then-admitted';
    await stack.broker.command(`errors ${JOIN_GROUP} ${INCONSISTENT_GROUP_PROTOCOL} 3`);
    // Three refusals: restarts after 1.5, 3 and 6 s; the consumer runs again about 13 s after the first.
    const processor = await start({ PROCESSOR_GROUP_ID: groupId, PROCESSOR_RESTART_BACKOFF_MS: '1500' });

    const down = await waitFor(
      async () => {
        const answer = await health(processor.port);
        return answer.status === 503 && answer.body.error?.consumer ? answer : false;
      },
      { timeoutMs: 30000, intervalMs: 200, description: '/health to report the consumer down' },
    );
    expect(down.body.error!.consumer).toEqual({ status: 'down', state: 'restarting' });
    expect(down.body.details.postgres).toEqual({ status: 'up' });
    expect(processor.output()).toMatch(
      /Kafka consumer stopped on an error kafkajs will not retry \(KafkaJSProtocolError: The group member's supported protocols are incompatible[^)]*\); restarting it in 1500 ms \(attempt 1 of 5\)/,
    );

    const up = await waitFor(
      async () => {
        const answer = await health(processor.port);
        return answer.status === 200 ? answer : false;
      },
      { timeoutMs: 40000, intervalMs: 200, description: '/health to report the consumer running again' },
    );
    expect(up.body.details.consumer).toEqual({ status: 'up', state: 'running' });
    expect(processor.output()).toMatch(/attempt 3 of 5/);

    await stack.producer.send(TOPICS.labResults, [asMessage(labResult({ value: 230 }))]);
    await stack.waitUntilConsumed(groupId, 20000);
    expect(await results()).toBe(1);
    expect(processor.child.exitCode).toBeNull();
    processor.child.kill('SIGTERM');
    await processor.exited;
  });

  it('ends the process (exit status 1) when it cannot be restarted', async () => {
    await stack.broker.command(`errors ${JOIN_GROUP} ${INCONSISTENT_GROUP_PROTOCOL} 1000`);
    try {
      const processor = await start({
        PROCESSOR_GROUP_ID: 'refused-for-good',
        PROCESSOR_RESTART_ATTEMPTS: '2',
        PROCESSOR_RESTART_BACKOFF_MS: '100',
      });
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        processor.exited,
        new Promise<'still running'>(
          (resolve) => (timer = setTimeout(() => resolve('still running'), 30000)),
        ),
      ]);
      clearTimeout(timer);
      expect(code).toBe(1);
      expect(processor.output()).toMatch(
        /Kafka consumer could not be restarted \(2 restarts in a row; last error KafkaJSProtocolError: [^)]*\): this processor consumes nothing/,
      );
    } finally {
      await stack.broker.command(`clear-errors ${JOIN_GROUP}`);
    }
  });
});
