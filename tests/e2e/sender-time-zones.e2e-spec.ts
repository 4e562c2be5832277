import { type INestApplicationContext } from '@nestjs/common';
import { CONTENT_TYPES, HEADERS, TOPICS, type OutboundMessage } from '@alem/messaging';
import { enrolPatient, LabSenderRepository, seedCareTeam, seedSite } from '@alem/persistence';
import { waitFor } from '@alem/local-stack';
import { SenderRegistrationCache } from '../../apps/result-processor/src/sender-registration-cache';
import { oruR01, PLATELETS } from '../support/hl7-messages';
import { startTestStack, type TestStack } from '../support/test-stack';

const PATIENT = { id: '4711', authority: 'CITYHOSP' };
const LONDON = { application: 'LABSYS', facility: 'LONDON' };
const ELSEWHERE = { application: 'LABSYS', facility: 'ELSEWHERE' };

/** An ORU^R01 whose times (MSH-7, OBR-7, OBX-14) are local: no offset, so the sender's zone decides. */
const local = (controlId: string, sender: typeof LONDON, at: string): OutboundMessage => ({
  key: `${PATIENT.authority}|${PATIENT.id}`,
  value: oruR01({ controlId, sender, patient: PATIENT, observedAt: at, observations: [PLATELETS('250')] }),
  headers: { [HEADERS.contentType]: CONTENT_TYPES.hl7v2 },
});

/**
 * The zone of a lab's local times is its own, from its sender registration (`lab_senders`), not one setting
 * for every lab: the processor reads a registered sender's times in its zone and an unregistered sender's in
 * `HL7_DEFAULT_TIME_ZONE` (UTC here), and follows registrations made while it runs.
 */
/** A registration that only places the sender's local times. */
const zoned = (timeZone: string) => ({
  timeZone,
  authorities: [],
  certificateFingerprints: [],
  sourceAddresses: [],
});

describe('sender time zones through the processor', () => {
  let stack: TestStack;
  let processor: INestApplicationContext;
  let senders: LabSenderRepository;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  const observedAt = async (controlId: string): Promise<string> => {
    const [row] = await q(`SELECT observed_at FROM results WHERE message_control_id = $1`, [controlId]);
    return (row.observed_at as Date).toISOString();
  };

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'city', name: 'City hospital', timeZone: 'Europe/London' });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'city',
      name: 'Neuro',
      members: [{ email: 'neuro@city.test', displayName: 'Neurologist', role: 'clinician' }],
    });
    await enrolPatient(stack.dataSource, {
      siteId: 'city',
      careTeamId: team.careTeamId,
      indication: 'MS',
      identifiers: [{ authority: PATIENT.authority, identifier: PATIENT.id }],
      courses: [{ courseNumber: 1, infusionDays: ['2026-03-02', '2026-03-03', '2026-03-04'] }],
    });
    senders = new LabSenderRepository(stack.dataSource);
    await senders.save(stack.dataSource.manager, 'LABSYS^LONDON', zoned('Europe/London'), new Date());
    processor = await stack.startProcessor();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reads a registered sender’s summer times in its zone (BST: an hour before UTC), another’s in the default', async () => {
    expect(stack.config.hl7.defaultTimeZone).toBe('UTC');
    await stack.producer.send(TOPICS.labResults, [
      local('TZ-LONDON-SUMMER', LONDON, '202607010815'),
      local('TZ-ELSEWHERE-SUMMER', ELSEWHERE, '202607010815'),
      local('TZ-LONDON-WINTER', LONDON, '202601150815'),
    ]);
    await stack.waitUntilConsumed();
    expect(await observedAt('TZ-LONDON-SUMMER')).toBe('2026-07-01T07:15:00.000Z');
    expect(await observedAt('TZ-ELSEWHERE-SUMMER')).toBe('2026-07-01T08:15:00.000Z');
    // In winter London is on UTC: the same local time, the same instant as the default's.
    expect(await observedAt('TZ-LONDON-WINTER')).toBe('2026-01-15T08:15:00.000Z');
  });

  it('follows a registration made while it runs', async () => {
    await senders.save(stack.dataSource.manager, 'LABSYS^ELSEWHERE', zoned('America/New_York'), new Date());
    const cache = processor.get(SenderRegistrationCache);
    await waitFor(() => cache.timeZoneOf(ELSEWHERE) === 'America/New_York', {
      description: 'the processor to learn the new registration',
    });
    await stack.producer.send(TOPICS.labResults, [local('TZ-ELSEWHERE-LATER', ELSEWHERE, '202607010815')]);
    await stack.waitUntilConsumed();
    expect(await observedAt('TZ-ELSEWHERE-LATER')).toBe('2026-07-01T12:15:00.000Z');
  });

  it('dead-letters, with the reason, a message of a sender registered with a zone it does not know', async () => {
    // The admin API refuses such a zone; a row written behind its back must not make times be guessed.
    await q(`INSERT INTO lab_senders (sender, time_zone) VALUES ('LABSYS^ATLANTIS', 'Atlantis/Capital')`);
    const atlantis = { application: 'LABSYS', facility: 'ATLANTIS' };
    await waitFor(() => processor.get(SenderRegistrationCache).timeZoneOf(atlantis) !== undefined, {
      description: 'the processor to learn the registration',
    });
    await stack.producer.send(TOPICS.labResults, [local('TZ-ATLANTIS', atlantis, '202607010815')]);
    await stack.waitUntilConsumed();
    expect(await q(`SELECT 1 FROM results WHERE message_control_id = 'TZ-ATLANTIS'`)).toEqual([]);
    expect(await q(`SELECT reason FROM dlq_records`)).toEqual([
      {
        reason:
          'HL7 message refused (AE): unknown time zone Atlantis/Capital registered for sender LABSYS^ATLANTIS',
      },
    ]);
  });
});
