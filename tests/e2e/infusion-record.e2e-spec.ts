import { CONTENT_TYPES, HEADERS, TOPICS } from '@alem/messaging';
import { LabMllpClient, waitFor } from '@alem/local-stack';
import { seedCareTeam, seedSite } from '@alem/persistence';
import { ManualClock } from '@alem/runtime';
import { hl7Fixture, oruR01, retarget } from '../support/hl7-messages';
import { fhirFixture } from '../support/fhir-resources';
import { issueLabKey, type RunningGateway, startGateway } from '../support/ingest-gateway';
import { startScheduler } from '../support/monitoring';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * Courses from the infusion record, end to end (issue 18): a pharmacy system's RAS^O17 messages over MLLP → the
 * gateway → `medication.administrations.v1` → the processor enrols the patient by the site's location mapping
 * and plans course 1 → the scheduler expects the monthly CBC from it and, 45 days on without one, raises
 * MISSED-CBC critical. A correction (RXA-21 D) re-plans the course; a D-dimer on day 2 of a course is graded in
 * its W0-3 window. Real Postgres, the Kafka-protocol broker, the gateway's MLLP listener and a lab's HL7 client.
 */
describe('infusion record → courses → monitoring', () => {
  // The last infusion of the fixture's course 1 is 2024-03-08 13:15 in New York.
  const clock = new ManualClock('2024-03-08T23:00:00Z');
  const ZONE = 'America/New_York';
  const PATIENT = { id: '4711', authority: 'CITYHOSP' };
  let stack: TestStack;
  let gateway: RunningGateway;
  let lab: LabMllpClient;
  let teamId: string;
  let sweep: () => Promise<unknown>;
  const q = async (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  const patientOf = async (id: string): Promise<string | undefined> =>
    (
      await q(`SELECT patient_id FROM patient_identifiers WHERE authority = 'CITYHOSP' AND identifier = $1`, [
        id,
      ])
    )[0]?.patient_id;
  const coursesOf = async (patientId: string) =>
    q(
      `SELECT course_number, source, ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(infusion_dates) d ORDER BY d) AS days
       FROM treatment_courses WHERE patient_id = $1 ORDER BY course_number`,
      [patientId],
    );

  beforeAll(async () => {
    stack = await startTestStack({ clock });
    await seedSite(stack.dataSource, { id: 'stmarys', name: "St Mary's MS centre", timeZone: ZONE });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'stmarys',
      name: 'Neurology',
      members: [{ email: 'neuro@stmarys.test', displayName: 'Dr. Nina Neuro', role: 'clinician' }],
    });
    teamId = team.careTeamId;
    // The site's mapping: what the pharmacy system calls the infusion suite (PV1-3.1) enrols into Neurology, for
    // MS (the fixture codes the ingredient, RxNorm 117055, which names no product).
    await q(
      `INSERT INTO enrolment_locations (sender, location, site_id, care_team_id, indication)
       VALUES ('PHARMSYS^STMARYS', 'INFUSION', 'stmarys', $1, 'MS')`,
      [teamId],
    );
    await stack.startProcessor();
    ({ sweep } = await startScheduler(stack.config, clock));
    gateway = await startGateway(stack.config);
    lab = await LabMllpClient.connect(gateway.mllpPort);
  });

  afterAll(async () => {
    await lab?.close();
    await gateway?.close();
    await stack?.stop();
  });

  it('enrols the patient from the record and plans course 1; a redelivery changes nothing', async () => {
    const ack = await lab.send(hl7Fixture('ras-o17-v25-course1'));
    expect(ack.code).toBe('AA');

    const patientId = await waitFor(() => patientOf(PATIENT.id), { description: 'the patient enrolled' });
    const courses = await waitFor(
      async () => ((await coursesOf(patientId)).length > 0 ? coursesOf(patientId) : undefined),
      {
        description: 'course 1 planned',
      },
    );
    expect(courses).toEqual([
      {
        course_number: 1,
        source: 'infusion-record',
        days: ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
      },
    ]);
    const [patient] = await q(`SELECT site_id, care_team_id, indication FROM patients WHERE id = $1`, [
      patientId,
    ]);
    expect(patient).toEqual({ site_id: 'stmarys', care_team_id: teamId, indication: 'MS' });

    // The team hears of it as an info alert (shown and in the digest, never paged).
    const alerts = await q(
      `SELECT id, rule_id, kind, severity, state, explanation FROM alerts WHERE patient_id = $1`,
      [patientId],
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule_id: 'ENROLLED-FROM-INFUSION',
      kind: 'enrolment',
      severity: 'info',
      state: 'open',
    });
    expect(alerts[0].explanation.summary).toContain('location INFUSION');
    expect(await q(`SELECT id FROM notifications WHERE alert_id = $1`, [alerts[0].id])).toEqual([]);

    const events = await q(
      `SELECT type, course_number FROM treatment_course_events WHERE patient_id = $1 ORDER BY id`,
      [patientId],
    );
    expect(events).toEqual(
      expect.arrayContaining([
        { type: 'course-added', course_number: 1 },
        { type: 'last-infusion-moved', course_number: null },
        { type: 'monitoring-end-moved', course_number: null },
      ]),
    );
    const [end] = await q(
      `SELECT detail->>'to' AS monitoring_end FROM treatment_course_events WHERE patient_id = $1 AND type = 'monitoring-end-moved'`,
      [patientId],
    );
    expect(end.monitoring_end).toBe('2028-03-08');

    // The same message again (a sender that did not hear the ACK): AA, nothing kept twice, nothing re-planned.
    const again = await lab.send(hl7Fixture('ras-o17-v25-course1'));
    expect(again.code).toBe('AA');
    await stack.waitUntilConsumed(stack.config.processor.groupId, 20000, TOPICS.medicationAdministrations);
    expect(Number((await q(`SELECT count(*) AS n FROM medication_administrations`))[0].n)).toBe(5);
    expect(
      await q(`SELECT count(*)::int AS n FROM treatment_course_events WHERE patient_id = $1`, [patientId]),
    ).toEqual([{ n: events.length }]);
  });

  it('a correction that withdraws day 3 re-plans course 1 and says so on its timeline', async () => {
    const patientId = (await patientOf(PATIENT.id))!;
    const ack = await lab.send(hl7Fixture('ras-o17-v25-correction'));
    expect(ack.code).toBe('AA');
    await waitFor(async () => (await coursesOf(patientId))[0]?.days.length === 4 || undefined, {
      description: 'course 1 re-planned without 2024-03-06',
    });
    expect(await coursesOf(patientId)).toEqual([
      {
        course_number: 1,
        source: 'infusion-record',
        days: ['2024-03-04', '2024-03-05', '2024-03-07', '2024-03-08'],
      },
    ]);
    const changed = await q(
      `SELECT type, detail FROM treatment_course_events WHERE patient_id = $1 AND type IN ('course-changed', 'anomaly-added') ORDER BY id`,
      [patientId],
    );
    expect(changed.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['course-changed', 'anomaly-added']),
    );
    const courseChanged = changed.find((e: { type: string }) => e.type === 'course-changed');
    expect(courseChanged.detail.daysRemoved).toEqual(['2024-03-06']);
    const codes = changed
      .filter((e: { type: string }) => e.type === 'anomaly-added')
      .map((e: { detail: { code: string } }) => e.detail.code);
    expect(codes).toEqual(expect.arrayContaining(['WITHDRAWN', 'MISSED-DAY']));
  });

  it('no CBC for 45 days after course 1: MISSED-CBC turns critical', async () => {
    const patientId = (await patientOf(PATIENT.id))!;
    const missed = async () =>
      (
        await q(`SELECT severity, state FROM alerts WHERE patient_id = $1 AND rule_id = 'MISSED-CBC'`, [
          patientId,
        ])
      )[0];
    clock.set('2024-04-14T16:00:00Z'); // day 37 after the last infusion: nothing yet
    await sweep();
    expect(await missed()).toBeUndefined();
    clock.set('2024-04-22T16:00:00Z'); // day 45
    await sweep();
    expect(await missed()).toEqual({ severity: 'critical', state: 'open' });
  });

  it('a D-dimer on day 2 of a course is graded in its W0-3 window (DD-1 info, not warning)', async () => {
    const other = { id: '4712', authority: 'CITYHOSP' };
    // Days 1 and 2 of another patient's course 1, as the pharmacy system sends them while the course runs.
    const segments = retarget(hl7Fixture('ras-o17-v25-course1'), {
      controlId: 'RAS-0101',
      patient: other,
    }).split('\r');
    const secondRxr = segments.findIndex(
      (s, i) => s.startsWith('RXR') && segments.slice(0, i).filter((x) => x.startsWith('RXR')).length === 1,
    );
    const ack = await lab.send(segments.slice(0, secondRxr + 1).join('\r'));
    expect(ack.code).toBe('AA');
    const patientId = await waitFor(() => patientOf(other.id), {
      description: 'the second patient enrolled',
    });
    await waitFor(async () => (await coursesOf(patientId))[0]?.days.length === 2 || undefined, {
      description: 'course 1 with its first two days',
    });
    await stack.waitForEnrolment(other);

    const dDimer = oruR01({
      controlId: 'DD-0401',
      patient: other,
      sender: { application: 'COAGLAB', facility: 'STMARY' },
      observedAt: '20240305221500-0500',
      observations: [
        { code: '48065-7', display: 'D-dimer FEU', value: '0.8', unit: 'mg/L', range: '<0.5', flag: 'H' },
      ],
    });
    expect((await lab.send(dDimer)).code).toBe('AA');
    const alert = await waitFor(
      async () =>
        (
          await q(`SELECT severity, explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'DD-1'`, [
            patientId,
          ])
        )[0],
      { description: 'the DD-1 alert' },
    );
    expect(alert.severity).toBe('info');
    expect(alert.explanation.window).toBe('W0-3');
    expect(alert.explanation.daysSinceLastInfusion).toBe(0);
  });

  it("a location nobody mapped: the site's integration team is alerted, and the next record after the mapping enrols", async () => {
    const stray = { id: '4713', authority: 'CITYHOSP' };
    await q(`UPDATE sites SET integration_care_team_id = $1 WHERE id = 'stmarys'`, [teamId]);
    const fromOncology = (controlId: string) =>
      retarget(hl7Fixture('ras-o17-v25-course1'), { controlId, patient: stray }).replaceAll(
        'INFUSION^CHAIR3',
        'ONCOLOGY^BED7',
      );
    expect((await lab.send(fromOncology('RAS-0201'))).code).toBe('AA');
    const alert = await waitFor(
      async () =>
        (
          await q(
            `SELECT a.id, a.patient_id, a.kind, a.severity, a.state, a.explanation, r.care_team_id
             FROM alerts a LEFT JOIN alert_routes r ON r.alert_id = a.id WHERE a.rule_id = 'ENROLMENT-UNMAPPED'`,
          )
        )[0],
      { description: 'the ENROLMENT-UNMAPPED alert' },
    );
    expect(alert).toMatchObject({
      patient_id: null,
      kind: 'enrolment',
      severity: 'warning',
      state: 'open',
      care_team_id: teamId,
    });
    expect(alert.explanation.summary).toContain('no care team is mapped for location ONCOLOGY');
    expect(await q(`SELECT reason, severity FROM notifications WHERE alert_id = $1`, [alert.id])).toEqual([
      { reason: 'opened', severity: 'warning' },
    ]);
    expect(await patientOf(stray.id)).toBeUndefined();
    // Kept all the same: nothing of the record is lost while nobody monitors the patient.
    expect(
      await q(`SELECT count(*)::int AS n FROM medication_administrations WHERE patient_identifier = $1`, [
        stray.id,
      ]),
    ).toEqual([{ n: 5 }]);

    await q(
      `INSERT INTO enrolment_locations (sender, location, site_id, care_team_id, indication)
       VALUES ('PHARMSYS^STMARYS', 'ONCOLOGY', 'stmarys', $1, 'CLL')`,
      [teamId],
    );
    expect((await lab.send(fromOncology('RAS-0202'))).code).toBe('AA');
    // A new message (another control id) is new records; the patient is enrolled with every record kept before.
    const patientId = await waitFor(() => patientOf(stray.id), { description: 'the stray patient enrolled' });
    await waitFor(async () => (await coursesOf(patientId)).length > 0 || undefined, {
      description: 'their course planned',
    });
    expect((await coursesOf(patientId))[0]).toMatchObject({ course_number: 1, source: 'infusion-record' });
    const [resolved] = await q(`SELECT state, resolution_reason FROM alerts WHERE id = $1`, [alert.id]);
    expect(resolved).toEqual({ state: 'resolved', resolution_reason: 'enrolled-from-infusion-record' });
  });

  it('a local code nobody mapped that names Lemtrada is dead-lettered for a person to map; another drug is not ours', async () => {
    const course = hl7Fixture('ras-o17-v25-course1');
    const local = retarget(course, {
      controlId: 'RAS-0301',
      patient: { id: '4714', authority: 'CITYHOSP' },
    }).replaceAll(
      '117055^alemtuzumab^RXNORM^LEM12^Lemtrada 12 mg infusion^L',
      'LEM12^Lemtrada 12 mg infusion^L',
    );
    const paracetamol = retarget(course, {
      controlId: 'RAS-0302',
      patient: { id: '4715', authority: 'CITYHOSP' },
    }).replaceAll(
      '117055^alemtuzumab^RXNORM^LEM12^Lemtrada 12 mg infusion^L',
      '313782^acetaminophen 325 MG Oral Tablet^RXNORM',
    );
    expect((await lab.send(local)).code).toBe('AA');
    expect((await lab.send(paracetamol)).code).toBe('AA');
    await stack.waitUntilConsumed(stack.config.processor.groupId, 20000, TOPICS.medicationAdministrations);
    const letters = await q(
      `SELECT source_topic, reason FROM dlq_records WHERE source_topic = $1 ORDER BY id`,
      [TOPICS.medicationAdministrations],
    );
    expect(letters).toHaveLength(5);
    expect(letters[0].reason).toBe(
      'medication LEM12^L is named as alemtuzumab but not mapped: add a medication code mapping and replay',
    );
    expect(
      await q(
        `SELECT count(*)::int AS n FROM medication_administrations WHERE patient_identifier IN ('4714', '4715')`,
      ),
    ).toEqual([{ n: 0 }]);
    expect(await patientOf('4714')).toBeUndefined();
    expect(await patientOf('4715')).toBeUndefined();
  });

  it("an EHR's FHIR transaction Bundle (the R4 example MedicationAdministration) enrols and plans the same way", async () => {
    await seedSite(stack.dataSource, {
      id: 'amc',
      name: 'Amsterdam MS centre',
      timeZone: 'Europe/Amsterdam',
    });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'amc',
      name: 'MS team',
      members: [{ email: 'ms@amc.test', displayName: 'Dr. Anna de Vries', role: 'clinician' }],
    });
    await q(
      `INSERT INTO enrolment_locations (sender, location, site_id, care_team_id) VALUES ('EHR^AMC', 'INFUSION-3', 'amc', $1)`,
      [team.careTeamId],
    );
    const key = await issueLabKey(stack.dataSource, 'EHR^AMC', ['2.16.840.1.113883.19.5']);
    const response = await gateway
      .http()
      .post('/fhir/R4')
      .set('Content-Type', 'application/fhir+json')
      .set('Authorization', `Bearer ${key}`)
      .send(JSON.stringify(fhirFixture('bundle-medication-administrations')));
    expect(response.status).toBe(202);

    const patientId = await waitFor(
      async () =>
        (await q(`SELECT patient_id FROM patient_identifiers WHERE identifier = '12345'`))[0]?.patient_id as
          string | undefined,
      { description: 'the FHIR patient enrolled' },
    );
    await waitFor(async () => (await coursesOf(patientId)).length > 0 || undefined, {
      description: 'their course planned',
    });
    // RxNorm 1594660 names Lemtrada: MS, though the location's mapping gives no indication.
    expect(await q(`SELECT care_team_id, indication FROM patients WHERE id = $1`, [patientId])).toEqual([
      { care_team_id: team.careTeamId, indication: 'MS' },
    ]);
    expect(await coursesOf(patientId)).toEqual([
      { course_number: 1, source: 'infusion-record', days: ['2015-01-15'] },
    ]);
    const [product] = await q(`SELECT product FROM treatment_courses WHERE patient_id = $1`, [patientId]);
    expect(product).toEqual({ product: 'lemtrada' });
    // The bundle's entered-in-error administration withdraws one this record never had: said, not guessed.
    const withdrawn = await q(
      `SELECT detail->>'code' AS code FROM treatment_course_events WHERE patient_id = $1 AND type = 'anomaly-added'`,
      [patientId],
    );
    expect(withdrawn).toEqual(expect.arrayContaining([{ code: 'WITHDRAWN' }]));
  });

  it('an event the database cannot hold (year 0) is dead-lettered on its own; the rest of its batch is taken', async () => {
    const patientId = (await patientOf(PATIENT.id))!;
    const event = (id: string, day: string) => ({
      schema: 'medication-administration.v1',
      patient: PATIENT,
      sender: { application: 'PHARMSYS', facility: 'STMARYS' },
      messageControlId: `JSON-${id}`,
      administration: {
        id,
        status: 'given',
        evidence: 'administered',
        day,
        medication: { code: '117055', system: 'RXNORM' },
      },
      location: 'INFUSION',
    });
    const message = (value: unknown) => ({
      key: `${PATIENT.authority}|${PATIENT.id}`,
      value: JSON.stringify(value),
      headers: { [HEADERS.contentType]: CONTENT_TYPES.medicationAdministrationJson },
    });
    // Valid to the contract (an ISO date), but not a date Postgres keeps: before, it failed its batch for ever.
    await stack.producer.send(TOPICS.medicationAdministrations, [
      message(event('POISON-1', '0000-01-01')),
      message(event('LATE-1', '2024-03-09')),
    ]);
    await waitFor(async () => (await coursesOf(patientId))[0]?.days.includes('2024-03-09') || undefined, {
      description: 'the valid administration planned',
    });
    const [letter] = await q(
      `SELECT reason FROM dlq_records WHERE source_topic = $1 AND reason LIKE 'the database refused it%'`,
      [TOPICS.medicationAdministrations],
    );
    expect(letter.reason).toMatch(/out of range/);
  });
});
