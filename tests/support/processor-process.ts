import { type AppProcess, freePort, PROCESSOR_NODE_FLAGS, startProcess, waitFor } from '@alem/local-stack';
import { type TestStack } from './test-stack';

/** A result processor run as deployed (main.ts in a process of its own), with its /health and /metrics port. */
export interface ProcessorProcess {
  name: string;
  app: AppProcess;
  port: number;
  /** Results this process has stored so far (`alem_results_total{outcome="stored"}`). */
  stored(): Promise<number>;
}

/**
 * Starts a processor process on the stack, from source, as a member of `groupId`. Its HTTP port is a free one
 * rather than 0: the test reads its /health and /metrics to tell the members of one group apart.
 */
export async function startProcessorProcess(
  stack: TestStack,
  options: { name: string; groupId: string; sessionTimeoutMs?: number },
): Promise<ProcessorProcess> {
  const port = await freePort();
  const app = startProcess(
    'apps/result-processor/src/main.ts',
    {
      ...stack.env(),
      HTTP_PORT: String(port),
      PROCESSOR_GROUP_ID: options.groupId,
      PROCESSOR_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs ?? 30000),
      KAFKA_CLIENT_ID: options.name,
    },
    PROCESSOR_NODE_FLAGS,
  );
  return {
    name: options.name,
    app,
    port,
    async stored() {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await response.text();
      return Number(/^alem_results_total\{outcome="stored"\} (\d+)/m.exec(text)?.[1] ?? 0);
    },
  };
}

/**
 * Resolves when the process's Kafka consumer has joined its group (/health: consumer up). It fails at once if
 * the process exits meanwhile, rather than at the timeout.
 */
export async function waitForConsumerRunning(processor: ProcessorProcess, timeoutMs = 60000): Promise<void> {
  await waitFor(
    async () => {
      if (!processor.app.running) throw new Error(`${processor.name} exited while starting`);
      const response = await fetch(`http://127.0.0.1:${processor.port}/health`).catch(() => null);
      if (!response) return false;
      const body = (await response.json()) as { details?: { consumer?: { status?: string } } };
      return body.details?.consumer?.status === 'up';
    },
    { timeoutMs, intervalMs: 200, description: `${processor.name}'s consumer to join its group` },
  );
}
