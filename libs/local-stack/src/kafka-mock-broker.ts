import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { TOPIC_PARTITIONS } from '@alem/messaging';
import { REPO_ROOT } from './repo-root';

const BINARY = path.join(REPO_ROOT, '.cache/bin/kafka-mock');
const BUILD_SCRIPT = path.join(REPO_ROOT, 'infra/kafka-mock/build.sh');

export interface KafkaMockOptions {
  brokers?: number;
  /** Topics to create besides the project's own (name → partitions). */
  extraTopics?: Record<string, number>;
}

/**
 * The Kafka-protocol mock cluster of librdkafka, in a child process (infra/kafka-mock). It dies with its
 * parent. `command()` drives fault injection: `broker-down 1`, `all-down`, `all-up`, `errors <apikey> <err> <n>`.
 */
export class KafkaMockBroker {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Interface,
    readonly bootstrap: string,
    readonly brokerCount: number,
  ) {}

  get brokers(): string[] {
    return this.bootstrap.split(',');
  }

  static async start(options: KafkaMockOptions = {}): Promise<KafkaMockBroker> {
    ensureKafkaMockBuilt();
    const brokerCount = options.brokers ?? 1;
    const topics = { ...TOPIC_PARTITIONS, ...(options.extraTopics ?? {}) };
    const args = ['--brokers', String(brokerCount)];
    for (const [name, partitions] of Object.entries(topics)) args.push('--topic', `${name}:${partitions}`);
    const child = spawn(BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const bootstrap = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafka-mock did not start: ${stderr}`)), 10000);
      child.once('exit', (code) => reject(new Error(`kafka-mock exited with ${code}: ${stderr}`)));
      lines.once('line', (line) => {
        clearTimeout(timer);
        const match = /^BOOTSTRAP (\S+)$/.exec(line);
        if (match) resolve(match[1]!);
        else reject(new Error(`kafka-mock said: ${line}`));
      });
    });
    child.removeAllListeners('exit');
    return new KafkaMockBroker(child, lines, bootstrap, brokerCount);
  }

  /** Sends one control command and returns its `OK ...` answer (throws on `ERR ...`). */
  async command(command: string): Promise<string> {
    const answer = new Promise<string>((resolve) => this.lines.once('line', resolve));
    this.child.stdin.write(`${command}\n`);
    const line = await answer;
    if (!line.startsWith('OK')) throw new Error(`kafka-mock: ${command}: ${line}`);
    return line;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

export function ensureKafkaMockBuilt(): string {
  if (!existsSync(BINARY)) execFileSync('bash', [BUILD_SCRIPT], { stdio: 'inherit' });
  return BINARY;
}
