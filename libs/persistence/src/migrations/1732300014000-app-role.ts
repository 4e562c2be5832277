import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The group role the apps' login roles belong to (docs/deployment.md "Database roles"). */
export const APP_ROLE = 'alem_app';

/**
 * Separate roles: the schema owner runs the migrations, the apps connect as a login role in the group role
 * `alem_app`, which may read and write the tables but not own, alter or truncate them. On `audit_log` it holds
 * only INSERT and SELECT, so an app (or whoever steals its credentials) can neither edit audit rows nor disable
 * the triggers that refuse edits: both need the owner.
 *
 * Roles are cluster-wide and tables are per database: the migration creates the NOLOGIN group role when it is
 * missing (needs CREATEROLE; otherwise the deployer creates it first) and grants on this database's tables.
 * `ALTER DEFAULT PRIVILEGES` covers the tables and sequences later migrations create, as long as the same
 * owner runs them; a later table that must not be writable revokes what it does not want, as `audit_log` here.
 */
export class AppRole1732300014000 implements MigrationInterface {
  name = 'AppRole1732300014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          BEGIN
            CREATE ROLE ${APP_ROLE} NOLOGIN;
          EXCEPTION
            -- Another database of the same cluster migrating at the same moment created it first.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
              RAISE EXCEPTION 'role ${APP_ROLE} does not exist and % may not create it', current_user
                USING HINT = 'as a role with CREATEROLE: CREATE ROLE ${APP_ROLE} NOLOGIN; then migrate again';
          END;
        END IF;
      END $$;

      GRANT USAGE ON SCHEMA public TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE};

      -- Append and read only: the triggers refuse changes, and without the privilege the app cannot even try.
      REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${APP_ROLE};
      -- The apps never migrate: the migration history is the owner's.
      REVOKE INSERT, UPDATE, DELETE ON migrations FROM ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // The role stays: other databases of the cluster may use it.
    await q.query(`
      ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${APP_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${APP_ROLE};
      REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE};
      REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${APP_ROLE};
      REVOKE USAGE ON SCHEMA public FROM ${APP_ROLE};
    `);
  }
}
