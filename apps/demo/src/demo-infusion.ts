import { LabSenderRepository } from '@alem/persistence';
import { LabMllpClient, waitFor } from '@alem/local-stack';
import { DateTime } from 'luxon';
import { RegisteredSenders } from '../../ingest-gateway/src/senders/registered-senders';
import { DEMO_PATIENT } from './demo-feed';
import { type LocalSystem } from './local-system';

const PHARMACY = { application: 'PHARMSYS', facility: 'UNIVERSITY-HOSPITAL' };
/** A patient nobody enrolled: the infusion record enrols them (issue 18). */
const NEW_PATIENT = { id: 'MRN-100777', authority: DEMO_PATIENT.authority };

/**
 * The infusion record (issue 18): the hospital's pharmacy system sends course 1 (five RAS^O17 administrations
 * of Lemtrada, as RXA segments) over MLLP for a patient nobody has enrolled. The gateway puts them on
 * `medication.administrations.v1`; the processor enrols the patient to the team the infusion suite is mapped
 * to, plans course 1 and its monitoring end, and tells the team (an info alert).
 */
export async function showInfusionRecord(system: LocalSystem, careTeamId: string): Promise<void> {
  const ds = system.dataSource;
  const sender = `${PHARMACY.application}^${PHARMACY.facility}`;
  await new LabSenderRepository(ds).save(
    ds.manager,
    sender,
    {
      timeZone: 'Europe/Prague',
      authorities: [NEW_PATIENT.authority],
      certificateFingerprints: [],
      sourceAddresses: ['127.0.0.1/32', '::1/128'],
    },
    new Date(),
  );
  await system.apps.get('ingest-gateway')?.get(RegisteredSenders).reload();
  await ds.query(
    `INSERT INTO enrolment_locations (sender, location, site_id, care_team_id, indication)
     VALUES ($1, 'NEURO-INF', 'demo-site', $2, 'MS') ON CONFLICT (sender, location) DO NOTHING`,
    [sender, careTeamId],
  );
  console.log(
    `\nInfusion record: ${sender} (MLLP from 127.0.0.1) is registered, and its infusion suite NEURO-INF is mapped to "MS team" (MS).`,
  );

  // Course 1 began 14 days ago: five consecutive days of 12 mg.
  const first = DateTime.now().setZone('Europe/Prague').startOf('day').minus({ days: 14 });
  const stamp = (day: number, hour: string) => `${first.plus({ days: day }).toFormat('yyyyLLdd')}${hour}`;
  const rxa = [0, 1, 2, 3, 4].flatMap((day) => [
    `ORC|RE|PLC-7001|FIL-7001||CM||||${stamp(0, '080000')}|||1234^Neuro^Nina`,
    `RXA|0|${day + 1}|${stamp(day, '091500')}|${stamp(day, '131500')}|1594660^alemtuzumab 10 MG/ML [Lemtrada]^RXNORM|12|mg^milligram^UCUM|||||||||||||CP|A`,
    'RXR|IV^Intravenous^HL70162',
  ]);
  const message = [
    `MSH|^~\\&|${PHARMACY.application}|${PHARMACY.facility}|ALEM|SAFETY|${stamp(4, '180000')}||RAS^O17^RAS_O17|DEMO-RAS-1|P|2.5`,
    `PID|1||${NEW_PATIENT.id}^^^${NEW_PATIENT.authority}^MR`,
    'PV1|1|O|NEURO-INF^CHAIR2^1',
    ...rxa,
  ].join('\r');
  const pharmacy = await LabMllpClient.connect(system.mllpPort!);
  const ack = await pharmacy.send(message);
  await pharmacy.close();
  console.log(
    `  RAS^O17 with 5 administrations of Lemtrada for ${NEW_PATIENT.authority}|${NEW_PATIENT.id}: ACK ${ack.code}`,
  );

  const patientId = await waitFor(
    async () =>
      (
        await ds.query(
          `SELECT patient_id FROM patient_identifiers WHERE authority = $1 AND identifier = $2`,
          [NEW_PATIENT.authority, NEW_PATIENT.id],
        )
      )[0]?.patient_id as string | undefined,
    { timeoutMs: 30000, description: 'the patient enrolled from the infusion record' },
  );
  const [course] = await waitFor(
    async () => {
      const rows = await ds.query(
        `SELECT course_number, ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(infusion_dates) d ORDER BY d) AS days
         FROM treatment_courses WHERE patient_id = $1`,
        [patientId],
      );
      return rows.length > 0 ? rows : undefined;
    },
    { timeoutMs: 30000, description: 'course 1 planned' },
  );
  console.log(
    `  Enrolled to "MS team"; course ${course.course_number} planned from the infusion record: ${course.days.join(', ')}.`,
  );
  const timeline = await ds.query(
    `SELECT detail->>'explanation' AS explanation FROM treatment_course_events WHERE patient_id = $1 ORDER BY id`,
    [patientId],
  );
  for (const entry of timeline) console.log(`    · ${entry.explanation}`);
  const [alert] = await ds.query(
    `SELECT reference, severity, explanation->>'title' AS title FROM alerts WHERE patient_id = $1`,
    [patientId],
  );
  console.log(
    `  The team's ${alert.severity} alert ${alert.reference}: ${alert.title} (shown in the console, never paged).`,
  );
}
