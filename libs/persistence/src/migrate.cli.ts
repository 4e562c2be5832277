import 'reflect-metadata';
import { loadConfig } from '@alem/runtime';
import { migrate } from './data-source';

/** `node dist/libs/persistence/src/migrate.cli.js`: applies pending migrations to DATABASE_URL. */
migrate({ url: loadConfig().database.url }).then(
  (applied) => {
    console.warn(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
