import {
  createDataSource,
  EnrolmentRepository,
  enrolPatient,
  patientKey,
  seedCareTeam,
  seedSite,
} from '@alem/persistence';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Who is enrolled: the whole map the processor caches, and the lookup it makes when its cache may be behind. */
describe('EnrolmentRepository', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let enrolment: EnrolmentRepository;
  let careTeamId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
    enrolment = new EnrolmentRepository(ds);
    await seedSite(ds, { id: 'site-1', name: 'MS Centre' });
    ({ careTeamId } = await seedCareTeam(ds, { siteId: 'site-1', name: 'MS team', members: [] }));
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('finds the enrolled patients among identifiers in one query, as the whole map has them', async () => {
    const enrolled = await enrolPatient(ds, {
      siteId: 'site-1',
      careTeamId,
      indication: 'MS',
      identifiers: [
        { authority: 'HOSP', identifier: 'MRN1' },
        { authority: '1.2.3.4', identifier: 'MRN1' },
      ],
    });
    const ended = await enrolPatient(ds, {
      siteId: 'site-1',
      careTeamId,
      indication: 'CLL',
      identifiers: [{ authority: 'HOSP', identifier: 'MRN2' }],
    });
    await ds.query(`UPDATE patients SET enrolment_ended_at = now() WHERE id = $1`, [ended]);

    const found = await enrolment.findEnrolled([
      { authority: 'HOSP', identifier: 'MRN1' },
      { authority: '1.2.3.4', identifier: 'MRN1' },
      { authority: 'HOSP', identifier: 'MRN2' },
      { authority: 'OTHER', identifier: 'MRN1' },
      { authority: 'HOSP', identifier: 'MRN404' },
    ]);
    const patient = { patientId: enrolled, careTeamId, indication: 'MS' };
    expect(found).toEqual(
      new Map([
        [patientKey('HOSP', 'MRN1'), patient],
        [patientKey('1.2.3.4', 'MRN1'), patient],
      ]),
    );
    expect(await enrolment.loadEnrolled()).toEqual(found);
    expect(await enrolment.findEnrolled([])).toEqual(new Map());
  });
});
