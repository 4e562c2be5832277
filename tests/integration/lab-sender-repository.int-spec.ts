import { createDataSource, LabSenderRepository, RefreshingCache } from '@alem/persistence';
import { waitFor } from '@alem/local-stack';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Sender registrations: the queries the admin API writes with, and the NOTIFY the processor's cache follows. */
/** A registration that only places the sender's local times. */
const zoned = (timeZone: string) => ({
  timeZone,
  authorities: [],
  certificateFingerprints: [],
  sourceAddresses: [],
});

describe('LabSenderRepository', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let senders: LabSenderRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
    senders = new LabSenderRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('registers, changes, lists, finds and removes senders', async () => {
    const t1 = new Date('2026-03-01T08:00:00Z');
    const t2 = new Date('2026-03-02T08:00:00Z');
    const created = await senders.save(ds.manager, 'LIS^CENTRAL-LAB', zoned('Europe/Prague'), t1);
    expect(created).toEqual({
      sender: 'LIS^CENTRAL-LAB',
      timeZone: 'Europe/Prague',
      authorities: [],
      certificateFingerprints: [],
      sourceAddresses: [],
      createdAt: t1,
      updatedAt: null,
    });
    await senders.save(ds.manager, 'UROLAB^NORTHCLINIC', zoned('Europe/London'), t1);
    const changed = await senders.save(ds.manager, 'LIS^CENTRAL-LAB', zoned('Europe/Vienna'), t2);
    expect(changed).toEqual({
      sender: 'LIS^CENTRAL-LAB',
      timeZone: 'Europe/Vienna',
      authorities: [],
      certificateFingerprints: [],
      sourceAddresses: [],
      createdAt: t1,
      updatedAt: t2,
    });

    expect(await senders.find('LIS^CENTRAL-LAB')).toEqual(changed);
    expect(await senders.find('NOBODY^HERE')).toBeNull();
    const all = await senders.list({ limit: 10, offset: 0 });
    expect(all.total).toBe(2);
    expect(all.items.map((s) => s.sender)).toEqual(['LIS^CENTRAL-LAB', 'UROLAB^NORTHCLINIC']);
    expect(await senders.list({ limit: 1, offset: 1 })).toEqual({
      items: [expect.objectContaining({ sender: 'UROLAB^NORTHCLINIC' })],
      total: 2,
    });
    expect(await senders.timeZones()).toEqual(
      new Map([
        ['LIS^CENTRAL-LAB', 'Europe/Vienna'],
        ['UROLAB^NORTHCLINIC', 'Europe/London'],
      ]),
    );

    expect(await senders.remove(ds.manager, 'UROLAB^NORTHCLINIC')).toMatchObject({
      timeZone: 'Europe/London',
    });
    expect(await senders.remove(ds.manager, 'UROLAB^NORTHCLINIC')).toBeNull();
    expect(await senders.timeZones()).toEqual(new Map([['LIS^CENTRAL-LAB', 'Europe/Vienna']]));
  });

  it('stores and reads back what authenticates a sender, addresses as CIDR blocks (issue 14)', async () => {
    const saved = await senders.save(
      ds.manager,
      'LABSYS^CITYLAB',
      {
        timeZone: 'UTC',
        authorities: ['CITYHOSP'],
        certificateFingerprints: ['AB:'.repeat(31) + 'AB'],
        sourceAddresses: ['10.1.2.3/32', 'fd00::/8'],
      },
      new Date(),
    );
    expect(saved).toMatchObject({
      authorities: ['CITYHOSP'],
      certificateFingerprints: ['AB:'.repeat(31) + 'AB'],
      sourceAddresses: ['10.1.2.3/32', 'fd00::/8'],
    });
    expect((await senders.all()).find((s) => s.sender === 'LABSYS^CITYLAB')).toEqual(saved);
    await senders.remove(ds.manager, 'LABSYS^CITYLAB');
  });

  it('wakes a cache on lab_senders_changed at every registration, change and removal', async () => {
    const cache = new RefreshingCache({
      name: 'sender registrations',
      databaseUrl: db.url,
      channel: 'lab_senders_changed',
      refreshMs: 3_600_000,
      load: () => senders.timeZones(),
    });
    await cache.start();
    try {
      const now = new Date();
      await senders.save(ds.manager, 'LAB^NOTIFIED', zoned('Europe/London'), now);
      await waitFor(() => cache.value.get('LAB^NOTIFIED') === 'Europe/London', {
        description: 'the cache to follow the registration',
      });
      await senders.save(ds.manager, 'LAB^NOTIFIED', zoned('America/New_York'), now);
      await waitFor(() => cache.value.get('LAB^NOTIFIED') === 'America/New_York', {
        description: 'the cache to follow the change',
      });
      await senders.remove(ds.manager, 'LAB^NOTIFIED');
      await waitFor(() => !cache.value.has('LAB^NOTIFIED'), {
        description: 'the cache to follow the removal',
      });
    } finally {
      await cache.stop();
    }
  });
});
