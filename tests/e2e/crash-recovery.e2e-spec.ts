import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { asMessage, labResult } from '../support/lab-results';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

const ROOT = path.resolve(__dirname, '../..');
const OFFSET_COMMIT = 8;
const COORDINATOR_NOT_AVAILABLE = 15;

/**
 * A processor process is killed (SIGKILL) after its batch transaction committed and before Kafka accepted the
 * offset commit (the broker is made to refuse OffsetCommit until then). Its successor gets the same batch
 * again, and nothing is stored, alerted or queued twice.
 */
describe('crash between the database commit and the offset commit', () => {
  let stack: TestStack;
  let child: ChildProcess | null = null;
  const groupId = 'crash-group';

  const counts = async () => {
    const [row] = await stack.dataSource.query(`
      SELECT (SELECT count(*) FROM results)::int AS results, (SELECT count(*) FROM alerts)::int AS alerts,
             (SELECT count(*) FROM alert_occurrences)::int AS occurrences, (SELECT count(*) FROM alert_events)::int AS events,
             (SELECT count(*) FROM notifications)::int AS notifications`);
    return row as {
      results: number;
      alerts: number;
      occurrences: number;
      events: number;
      notifications: number;
    };
  };

  beforeAll(async () => {
    stack = await startTestStack();
    await seedDemoPatient(stack.dataSource);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await stack?.stop();
  });

  it('redelivers the batch to a new processor, which changes nothing', async () => {
    await stack.broker.command(`errors ${OFFSET_COMMIT} ${COORDINATOR_NOT_AVAILABLE} 10000`);
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/result-processor/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...stack.env(),
        PROCESSOR_GROUP_ID: groupId,
        PROCESSOR_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });

    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ value: 230 })),
      asMessage(labResult({ value: 88 })),
      asMessage(
        labResult({
          observation: { code: '751-8', system: 'LN', orderId: 'ORD-ANC' },
          value: 3.1,
          unit: '10*9/L',
        }),
      ),
      asMessage(labResult({ value: 19 })),
    ]);
    await waitFor(async () => (await counts()).results === 4, {
      timeoutMs: 30000,
      description: 'the child processor to store the batch',
    });
    const stored = await counts();
    expect(stored.results).toBe(4);
    expect(stored.alerts).toBeGreaterThan(0);
    expect(stored.notifications).toBeGreaterThan(0);

    const [committed] = await stack.admin.fetchOffsets({ groupId, topics: [TOPICS.labResults] });
    expect(committed!.partitions.every((p) => p.offset === '-1')).toBe(true);

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await stack.broker.command(`clear-errors ${OFFSET_COMMIT}`);

    await stack.startProcessor({ groupId, sessionTimeoutMs: 6000 });
    await stack.waitUntilConsumed(groupId, 45000);
    expect(await counts()).toEqual(stored);
  });
});
