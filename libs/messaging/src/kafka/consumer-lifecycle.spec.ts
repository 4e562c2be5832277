import { ConsumerLifecycle } from './consumer-lifecycle';

describe('ConsumerLifecycle', () => {
  const refused = 'KafkaJSProtocolError: not authorized to access group';

  it('is not running until the consumer joins its group', () => {
    const lifecycle = new ConsumerLifecycle({}, 1000);
    expect(lifecycle.status).toEqual({ state: 'starting', since: 1000, reason: null });
    lifecycle.joined(4000);
    expect(lifecycle.status).toEqual({ state: 'running', since: 4000, reason: null });
  });

  it('leaves a retriable crash to kafkajs, and does not count it', () => {
    const lifecycle = new ConsumerLifecycle({ attempts: 1 }, 0);
    lifecycle.joined(0);
    for (let i = 1; i <= 3; i++) {
      expect(lifecycle.crashed(i * 1000, 'KafkaJSConnectionError: all brokers down', true)).toEqual({
        by: 'kafkajs',
      });
      expect(lifecycle.status.state).toBe('restarting');
    }
    expect(lifecycle.crashed(5000, refused, false)).toMatchObject({ by: 'consumer', attempt: 1 });
  });

  it('restarts a consumer kafkajs gave up on, with a doubling wait, then gives up after its attempts', () => {
    const lifecycle = new ConsumerLifecycle({ attempts: 3, backoffMs: 1000 }, 0);
    const waits = [1, 2, 3].map((attempt) => {
      const recovery = lifecycle.crashed(attempt * 100, refused, false);
      expect(lifecycle.status).toEqual({ state: 'restarting', since: attempt * 100, reason: refused });
      return recovery;
    });
    expect(waits).toEqual([
      { by: 'consumer', inMs: 1000, attempt: 1, attempts: 3 },
      { by: 'consumer', inMs: 2000, attempt: 2, attempts: 3 },
      { by: 'consumer', inMs: 4000, attempt: 3, attempts: 3 },
    ]);
    expect(lifecycle.crashed(8000, refused, false)).toEqual({ by: 'nobody', attempts: 3 });
    expect(lifecycle.status).toEqual({ state: 'stopped', since: 8000, reason: refused });
    // Stopped for good: a late join or crash changes nothing.
    lifecycle.joined(9000);
    expect(lifecycle.crashed(9500, refused, false)).toEqual({ by: 'nobody', attempts: 3 });
    expect(lifecycle.status.state).toBe('stopped');
  });

  it('counts restarts in a row: a join that crashes soon after does not reset them, a steady run does', () => {
    const lifecycle = new ConsumerLifecycle({ attempts: 2, backoffMs: 100, stableAfterMs: 60_000 }, 0);
    lifecycle.joined(0);
    expect(lifecycle.crashed(1000, refused, false)).toMatchObject({ attempt: 1 });
    lifecycle.joined(2000);
    expect(lifecycle.crashed(3000, refused, false)).toMatchObject({ attempt: 2 });
    lifecycle.joined(4000);
    // A rebalance re-joins a running consumer: it has run since 4000 all the same.
    lifecycle.joined(30_000);
    expect(lifecycle.status).toEqual({ state: 'running', since: 4000, reason: null });
    expect(lifecycle.crashed(64_000, refused, false)).toEqual({
      by: 'consumer',
      inMs: 100,
      attempt: 1,
      attempts: 2,
    });
  });

  it('stays stopped once stopped on purpose', () => {
    const lifecycle = new ConsumerLifecycle({}, 0);
    lifecycle.joined(10);
    lifecycle.stopped(20);
    expect(lifecycle.status).toEqual({ state: 'stopped', since: 20, reason: null });
    expect(lifecycle.crashed(30, refused, false)).toMatchObject({ by: 'nobody' });
    expect(lifecycle.status).toEqual({ state: 'stopped', since: 20, reason: null });
  });
});
