import { type INestApplicationContext } from '@nestjs/common';
import { register } from 'prom-client';
import { TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { EnrolmentCache } from '../../apps/result-processor/src/enrolment-cache';
import { asMessage, labResult } from '../support/lab-results';
import { enrol } from '../support/notifier';
import { asAdmin } from '../support/test-database';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

/**
 * The processor drops results of patients who are not enrolled by its in-memory enrolment cache. A miss is
 * trusted only while the cache is confirmed complete; while its listener is cut off from Postgres (a restart)
 * a result of a patient enrolled meanwhile is looked up in the database, stored and judged, never dropped.
 */
describe('results of patients the enrolment cache does not know yet', () => {
  let stack: TestStack;
  let processor: INestApplicationContext;
  let careTeamId: string;

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await stack.dataSource.query(sql, params))[0].n);

  async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = await register.getSingleMetric(name)?.get();
    return (metric?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  }

  beforeAll(async () => {
    stack = await startTestStack();
    ({
      team: { careTeamId },
    } = await seedDemoPatient(stack.dataSource));
    processor = await stack.startProcessor();
  });

  afterAll(async () => {
    await asAdmin(`ALTER DATABASE "${stack.db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await stack?.stop();
  });

  it('drops a not-enrolled result without asking Postgres while the cache is confirmed', async () => {
    await waitFor(() => processor.get(EnrolmentCache).confirmed, { description: 'the cache confirmed' });
    const checks = await counter('alem_processor_enrolment_checks_total');
    const notEnrolled = await counter('alem_results_total', { outcome: 'not_enrolled' });
    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ patient: { id: 'MRN9999', authority: 'HOSP' } })),
      asMessage(labResult()),
    ]);
    await stack.waitUntilConsumed();
    expect(await count(`SELECT count(*) AS n FROM results`)).toBe(1);
    expect(await counter('alem_results_total', { outcome: 'not_enrolled' })).toBe(notEnrolled + 1);
    expect(await counter('alem_processor_enrolment_checks_total')).toBe(checks);
  });

  it('stores and judges the result of a patient enrolled while the enrolment listener is cut off', async () => {
    const cache = processor.get(EnrolmentCache);
    // Postgres refuses new connections to the database and the listeners' sessions end, as in a restart;
    // the pools' open connections (the processor's, this test's) stay, so that enrolment and intake go on.
    await asAdmin(`ALTER DATABASE "${stack.db.name}" ALLOW_CONNECTIONS false`);
    try {
      await asAdmin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'alem-listener'`,
        [stack.db.name],
      );
      await waitFor(() => !cache.confirmed, { description: 'the processor to see its listener gone' });

      const patientId = await enrol(stack.dataSource, 'site-1', careTeamId, 'MRN2002', 'Petra Malá');
      await stack.producer.send(TOPICS.labResults, [
        asMessage(
          labResult({
            patient: { id: 'MRN2002', authority: 'HOSP' },
            value: 37.5,
            observation: { code: '777-3', system: 'LN', orderId: 'ORD-MRN2002' },
          }),
        ),
      ]);
      await stack.waitUntilConsumed();

      // Still cut off: the result was not taken thanks to a reload.
      expect(cache.lookup({ id: 'MRN2002', authority: 'HOSP' })).toBeUndefined();
      expect(await count(`SELECT count(*) AS n FROM results WHERE patient_id = $1`, [patientId])).toBe(1);
      const alerts = await stack.dataSource.query(
        `SELECT rule_id, severity, state FROM alerts WHERE patient_id = $1 AND rule_id = 'PLT-4'`,
        [patientId],
      );
      expect(alerts).toEqual([{ rule_id: 'PLT-4', severity: 'critical', state: 'open' }]);
      expect(await counter('alem_processor_enrolment_checks_total', { outcome: 'enrolled_found' })).toBe(1);
    } finally {
      await asAdmin(`ALTER DATABASE "${stack.db.name}" ALLOW_CONNECTIONS true`);
    }
    // The listener reconnects and the reload brings the patient in: confirmed again.
    await waitFor(() => cache.confirmed && cache.lookup({ id: 'MRN2002', authority: 'HOSP' }), {
      description: 'the cache confirmed again, with the new patient',
    });
  });
});
