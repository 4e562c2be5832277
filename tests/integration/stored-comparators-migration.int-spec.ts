import { randomBytes } from 'node:crypto';
import { createDataSource, enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { DataSource } from 'typeorm';
import { StoredComparators1732300011000 } from '../../libs/persistence/src/migrations/1732300011000-stored-comparators';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Rows stored before issue 12 kept a text value's comparator only in its text (`"<25"` stored as 25, comparator
 * null); the migration gives them back the comparator their text states, and touches nothing else.
 */
describe('migration: comparators of text values stored before issue 12', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let patientId: string;

  const insert = async (
    valueType: string,
    original: string,
    value: number | null,
    comparator: string | null,
  ) => {
    const key = `mig-${randomBytes(4).toString('hex')}`;
    await ds.query(
      `INSERT INTO results (idempotency_key, observation_key, patient_id, sender, message_control_id, code, code_system,
                            loinc, analyte, value_type, value_original, value, comparator, status, quality,
                            observed_at, received_at)
       VALUES ($1, $1, $2, 'LIS^LAB', 'M-1', '777-3', 'LN', '777-3', 'platelets', $3, $4, $5, $6, 'final', 'ok',
               now(), now())`,
      [key, patientId, valueType, original, value, comparator],
    );
    return key;
  };
  const comparatorOf = async (key: string) =>
    (await ds.query(`SELECT comparator FROM results WHERE idempotency_key = $1`, [key]))[0].comparator;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
    await seedSite(ds, { id: 'site-m', name: 'Site', timeZone: 'Europe/Prague' });
    const team = await seedCareTeam(ds, { siteId: 'site-m', name: 'Team', members: [] });
    patientId = await enrolPatient(ds, {
      siteId: 'site-m',
      careTeamId: team.careTeamId,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: 'MIG-1' }],
      displayName: 'Migration',
      birthDate: '1980-01-01',
      sex: 'female',
      courses: [],
    });
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('sets the comparator a text value states, and leaves every other row alone', async () => {
    const rows = {
      lt: await insert('ST', '<25', 25, null),
      le: await insert('ST', ' ≤ 0.5 ', 0.5, null),
      ge: await insert('TX', '>=1000', 1000, null),
      plain: await insert('ST', '25', 25, null),
      range: await insert('ST', '<25 (haemolysed)', null, null),
      numeric: await insert('NM', '25', 25, null),
      sn: await insert('SN', '<25', 25, '<'),
    };
    const migration = new StoredComparators1732300011000();
    const runner = ds.createQueryRunner();
    try {
      await migration.up(runner);
      await migration.up(runner); // idempotent
    } finally {
      await runner.release();
    }
    expect({
      lt: await comparatorOf(rows.lt),
      le: await comparatorOf(rows.le),
      ge: await comparatorOf(rows.ge),
      plain: await comparatorOf(rows.plain),
      range: await comparatorOf(rows.range),
      numeric: await comparatorOf(rows.numeric),
      sn: await comparatorOf(rows.sn),
    }).toEqual({ lt: '<', le: '<=', ge: '>=', plain: null, range: null, numeric: null, sn: '<' });
  });
});
