import { createDataSource } from '@alem/persistence';
import { DataSource } from 'typeorm';
import { writeTogether } from '../../libs/persistence/src/write-together';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Writes sent as one statement: each part keeps its own parameters, and a refused part refuses them all. */
describe('writeTogether', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const statements: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
    await ds.query(`CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL)`);
    await ds.query(`CREATE TABLE child (parent_id int NOT NULL REFERENCES parent(id), note text NOT NULL)`);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const counting = () => ({
    query: (sql: string, parameters: unknown[]) => {
      statements.push(sql);
      return ds.query(sql, parameters);
    },
  });

  it('sends the parts in one round trip, each with its own parameters, the rows of one referring to the other', async () => {
    statements.length = 0;
    await writeTogether(counting(), [
      {
        sql: `INSERT INTO parent (id, name) SELECT * FROM unnest($1::int[], $2::text[])`,
        parameters: [
          [1, 2],
          ['one', 'two'],
        ],
      },
      null,
      {
        sql: `INSERT INTO child (parent_id, note) VALUES ($1, $2), ($1, $3)`,
        parameters: [2, 'first', 'second'],
      },
    ]);
    expect(statements).toHaveLength(1);
    expect(await ds.query(`SELECT id, name FROM parent ORDER BY id`)).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    expect(await ds.query(`SELECT parent_id, note FROM child ORDER BY note`)).toEqual([
      { parent_id: 2, note: 'first' },
      { parent_id: 2, note: 'second' },
    ]);
  });

  it('writes nothing when one part is refused', async () => {
    await expect(
      writeTogether(ds, [
        { sql: `INSERT INTO parent (id, name) VALUES ($1, $2)`, parameters: [3, 'three'] },
        { sql: `INSERT INTO child (parent_id, note) VALUES ($1, $2)`, parameters: [99, 'orphan'] },
      ]),
    ).rejects.toThrow(/foreign key/);
    expect(await ds.query(`SELECT id FROM parent WHERE id = 3`)).toEqual([]);
  });

  it('sends nothing when there is nothing to write', async () => {
    statements.length = 0;
    await writeTogether(counting(), [null, null]);
    expect(statements).toEqual([]);
  });
});
