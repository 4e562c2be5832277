import { boolean, table, text, textArray, timestamptz, uuid } from './table';

export const sitesTable = table('sites', {
  id: text(),
  name: text(),
  time_zone: text().withDefault("'UTC'::text"),
  created_at: timestamptz().withDefault('now()'),
  /** The integration owners of the site's lab interfaces: where FEED-QUIET alerts go (monitoring). */
  integration_care_team_id: uuid().orNull(),
});

export const usersTable = table('users', {
  id: uuid().withDefault('gen_random_uuid()'),
  email: text(),
  display_name: text(),
  roles: textArray().withDefault("'{}'::text[]"),
  password_hash: text().orNull(),
  active: boolean().withDefault('true'),
  created_at: timestamptz().withDefault('now()'),
});

export const careTeamsTable = table('care_teams', {
  id: uuid().withDefault('gen_random_uuid()'),
  site_id: text(),
  name: text(),
  created_at: timestamptz().withDefault('now()'),
});

export const careTeamMembersTable = table('care_team_members', {
  care_team_id: uuid(),
  user_id: uuid(),
  role: text(),
  /** Holds the team's first escalation tier now (nobody on duty: the whole team is tier 1). */
  on_duty: boolean().withDefault('false'),
});

export const contactPointsTable = table('contact_points', {
  id: uuid().withDefault('gen_random_uuid()'),
  user_id: uuid(),
  channel: text<'email' | 'sms'>(),
  address: text(),
  verified_at: timestamptz().orNull(),
  created_at: timestamptz().withDefault('now()'),
});
