import { type DrillSystem } from './drill-system';

/** The faults a hospital will meet, in the order the drill injects them. */
export const FAULTS = [
  // First: it needs messages being sent, and every other fault delays them.
  'notifier-kill',
  'processor-kill',
  'broker-down',
  'pg-restart',
  'redis-restart',
  'smtp-down',
  'sms-500',
] as const;

export type FaultName = (typeof FAULTS)[number];

export interface FaultContext {
  system: DrillSystem;
  /** How long a fault holds (the outage's length). */
  holdMs: number;
  log: (line: string) => void;
  /** Moments the notifier was killed (the ledger allows a re-send that straddles one). */
  notifierKills: Date[];
}

export interface FaultRun {
  injectedAt: Date;
  healedAt: Date;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const FAULT_DESCRIPTIONS: Record<FaultName, string> = {
  'processor-kill': 'kill -9 of processor 1 mid-stream, a replacement started',
  'broker-down': 'every Kafka broker down (mock cluster), then up',
  'pg-restart': 'PostgreSQL crashed (immediate stop: connections cut, crash recovery on start), then started',
  'redis-restart': 'redis-server killed (no persistence: every queue and job gone), then started empty',
  'notifier-kill': 'kill -9 of the notifier just as SMTP accepted a message, then restarted',
  'smtp-down': 'the SMTP relay closes its port and cuts its sessions, then comes back',
  'sms-500': 'the SMS provider answers 500 to every request, then recovers',
};

/** Injects one fault, holds it, heals it: the moments are what the ledger measures recovery from. */
export async function injectFault(name: FaultName, ctx: FaultContext): Promise<FaultRun> {
  const { system, holdMs } = ctx;
  ctx.log(`fault ${name}: ${FAULT_DESCRIPTIONS[name]}`);
  switch (name) {
    case 'processor-kill': {
      const injectedAt = new Date();
      await system.kill('processor-1');
      // An orchestrator starts a replacement after a moment, as compose's `restart` or Kubernetes would.
      await pause(Math.min(holdMs, 2000));
      await system.startApp('processor-1');
      return { injectedAt, healedAt: new Date() };
    }
    case 'broker-down': {
      const injectedAt = new Date();
      await system.broker.command('all-down');
      await pause(holdMs);
      await system.broker.command('all-up');
      return { injectedAt, healedAt: new Date() };
    }
    case 'pg-restart': {
      const injectedAt = new Date();
      system.postgres.crash();
      await pause(holdMs);
      system.postgres.recover();
      return { injectedAt, healedAt: new Date() };
    }
    case 'redis-restart': {
      const injectedAt = new Date();
      await system.redis.kill();
      await pause(holdMs);
      await system.redis.start();
      return { injectedAt, healedAt: new Date() };
    }
    case 'notifier-kill': {
      // Catch the notifier in the middle of sending: SMTP holds its reply to the next message; the drill then
      // answers it (the relay accepts it) and kills the notifier in the same instant, before it can record the
      // send. This is the widest window there is for a message to go out twice.
      const held = system.smtp.heldCount;
      system.smtp.holdReplies();
      const injectedAt = new Date();
      try {
        await system.smtp.waitForHeld(held + 1, 20000);
      } catch {
        ctx.log('  (nothing was being sent within 20 s: killed between sends)');
      }
      system.smtp.answerHeld();
      const kill = system.kill('notifier');
      ctx.notifierKills.push(new Date());
      await kill;
      await pause(Math.min(holdMs, 2000));
      await system.startApp('notifier');
      return { injectedAt, healedAt: new Date() };
    }
    case 'smtp-down': {
      const injectedAt = new Date();
      await system.smtp.goDown();
      await pause(holdMs);
      await system.smtp.comeBack();
      return { injectedAt, healedAt: new Date() };
    }
    case 'sms-500': {
      const injectedAt = new Date();
      system.sms.failWith(500);
      await pause(holdMs);
      system.sms.accept();
      return { injectedAt, healedAt: new Date() };
    }
  }
}
