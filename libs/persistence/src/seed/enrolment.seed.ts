import { type DataSource, type EntityManager } from 'typeorm';

/**
 * Creates sites, care teams, members and enrolled patients directly in the database: what the demo and the
 * tests need before the admin API exists. Every function is idempotent on its natural key.
 */

export interface SeedMember {
  email: string;
  displayName: string;
  role: string;
  /** Contact points, verified unless `verified: false`. */
  contacts?: Array<{ channel: 'email' | 'sms'; address: string; verified?: boolean }>;
  roles?: string[];
}

export interface SeededTeam {
  siteId: string;
  careTeamId: string;
  members: Array<{ userId: string; email: string }>;
}

type Db = DataSource | EntityManager;

export async function seedSite(db: Db, site: { id: string; name: string; timeZone?: string }): Promise<void> {
  await db.query(`INSERT INTO sites (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
    site.id,
    site.name,
    site.timeZone ?? 'UTC',
  ]);
}

export async function seedCareTeam(
  db: Db,
  team: { siteId: string; name: string; members: SeedMember[] },
): Promise<SeededTeam> {
  const [{ id: careTeamId }] = (await db.query(
    `INSERT INTO care_teams (site_id, name) VALUES ($1, $2)
     ON CONFLICT (site_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [team.siteId, team.name],
  )) as Array<{ id: string }>;
  const members: SeededTeam['members'] = [];
  for (const member of team.members) {
    const [{ id: userId }] = (await db.query(
      `INSERT INTO users (email, display_name, roles) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO UPDATE SET display_name = EXCLUDED.display_name RETURNING id`,
      [member.email, member.displayName, member.roles ?? ['clinician']],
    )) as Array<{ id: string }>;
    await db.query(
      `INSERT INTO care_team_members (care_team_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (care_team_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
      [careTeamId, userId, member.role],
    );
    for (const contact of member.contacts ?? [{ channel: 'email' as const, address: member.email }]) {
      await db.query(
        `INSERT INTO contact_points (user_id, channel, address, verified_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
         ON CONFLICT (user_id, channel, address) DO NOTHING`,
        [userId, contact.channel, contact.address, contact.verified ?? true],
      );
    }
    members.push({ userId, email: member.email });
  }
  return { siteId: team.siteId, careTeamId, members };
}

export interface SeedPatient {
  siteId: string;
  careTeamId: string;
  indication: 'MS' | 'CLL';
  identifiers: Array<{ authority: string; identifier: string }>;
  displayName?: string;
  birthDate?: string;
  sex?: 'female' | 'male' | 'other' | 'unknown';
  courses?: Array<{ courseNumber: number; infusionDays: string[]; product?: string }>;
}

/** Enrols a patient with identifiers and treatment courses; returns the patient id. */
export async function enrolPatient(db: Db, patient: SeedPatient): Promise<string> {
  const first = patient.identifiers[0];
  if (!first) throw new Error('a patient needs at least one identifier');
  const existing = (await db.query(
    `SELECT patient_id FROM patient_identifiers WHERE authority = $1 AND identifier = $2`,
    [first.authority, first.identifier],
  )) as Array<{
    patient_id: string;
  }>;
  let patientId = existing[0]?.patient_id;
  if (!patientId) {
    const [row] = (await db.query(
      `INSERT INTO patients (site_id, care_team_id, indication, display_name, birth_date, sex) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        patient.siteId,
        patient.careTeamId,
        patient.indication,
        patient.displayName ?? null,
        patient.birthDate ?? null,
        patient.sex ?? null,
      ],
    )) as Array<{ id: string }>;
    patientId = row!.id;
  }
  for (const id of patient.identifiers) {
    await db.query(
      `INSERT INTO patient_identifiers (authority, identifier, patient_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [id.authority, id.identifier, patientId],
    );
  }
  for (const course of patient.courses ?? []) {
    await db.query(
      `INSERT INTO treatment_courses (patient_id, course_number, product, infusion_dates) VALUES ($1, $2, $3, $4::date[])
       ON CONFLICT (patient_id, course_number) DO UPDATE SET infusion_dates = EXCLUDED.infusion_dates`,
      [patientId, course.courseNumber, course.product ?? 'lemtrada', course.infusionDays],
    );
  }
  return patientId;
}
