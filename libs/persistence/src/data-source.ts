import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  applicationName?: string;
}

/**
 * TypeORM options for the project's database: a connection pool and the migrations. The schema comes from
 * migrations only, never `synchronize`; queries are SQL, so no entity is registered (`tables/` declares the rows).
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: ['error'],
    extra: {
      max: settings.poolSize ?? 10,
      application_name: settings.applicationName ?? 'alem',
      connectionTimeoutMillis: 5000,
      // No JIT compilation: every statement here is short, and JIT pays only for long analytical queries. Postgres
      // decides on estimated cost, which grows with the table: with 10 million results stored, the batch's history
      // read was estimated past `jit_optimize_above_cost` and spent 6.2 s of its 6.5 s compiling (auto_explain),
      // and the processor fell to a fifth of its empty-table throughput (`npm run bench`, line 3d).
      options: '-c jit=off',
    },
  };
}

export function createDataSource(settings: DatabaseSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(settings: DatabaseSettings): Promise<string[]> {
  const ds = createDataSource({ ...settings, poolSize: 1, applicationName: 'alem-migrate' });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'all' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
