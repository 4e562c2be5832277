-- A login role for the apps in the group role `alem_app` (created and granted by migration 1732300014000:
-- reads and writes the tables, only INSERT and SELECT on audit_log, owns nothing). Run it as the schema owner
-- (or any role with CREATEROLE) after migrating; run it again to change the password:
--
--   psql "$DATABASE_MIGRATION_URL" -v login=alem_app_login -v password="$ALEM_APP_DB_PASSWORD" \
--     -f infra/sql/app-login.sql
--
-- then point the apps at it: DATABASE_URL=postgres://alem_app_login:<password>@host:5432/alem
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN IN ROLE alem_app', :'login')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'login') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'login', :'password') \gexec
