import 'reflect-metadata';
import { loadConfig } from '@alem/runtime';
import { migrate } from './data-source';

/**
 * `node dist/libs/persistence/src/migrate.cli.js`: applies pending migrations as the schema owner,
 * DATABASE_MIGRATION_URL (DATABASE_URL when unset, as on the embedded local stack).
 */
migrate({ url: loadConfig().database.migrationUrl }).then(
  (applied) => {
    console.warn(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
