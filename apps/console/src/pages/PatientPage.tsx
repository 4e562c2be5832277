import { Alert, Anchor, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, type Schemas, unwrap } from '../api/client';
import { ErrorNote } from '../components/PageError';
import { PageLoader } from '../components/PageLoader';
import { SeverityBadge, StateBadge } from '../components/Severity';
import { formatDate, formatDateTime } from '../format';
import { hasRole, useMe } from '../session/session';
import { MonitoringSection } from './patient/MonitoringSection';
import { ResultsSection } from './patient/ResultsSection';

type Patient = Schemas['PatientDetailDto'];
type Course = Schemas['CourseListDto']['items'][number];

const FLAG_LABELS: Record<keyof Patient['clinicalFlags'], string> = {
  pregnant: 'Pregnant',
  knownHaemophilia: 'Known haemophilia',
  bleedingEventRecorded: 'Bleeding event recorded',
  onHeparin: 'On heparin',
};

/** The care team by name where the person may read teams (admins); a clinician sees it is theirs. */
function CareTeam({ id }: { id: string }) {
  const me = useMe();
  const team = useQuery({
    queryKey: ['care-teams', id],
    queryFn: () => unwrap(api.GET('/api/v1/care-teams/{id}', { params: { path: { id } } })),
    enabled: hasRole(me, 'admin'),
    staleTime: 10 * 60_000,
  });
  return <>{team.data?.name ?? (me.careTeamIds.includes(id) ? 'yours' : id)}</>;
}

function Header({ patient }: { patient: Patient }) {
  const flags = (Object.keys(FLAG_LABELS) as (keyof Patient['clinicalFlags'])[]).filter(
    (k) => patient.clinicalFlags[k],
  );
  return (
    <Card withBorder padding="md" component="section" aria-label="Patient">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>{patient.displayName ?? 'Name not recorded'}</Title>
          <Text size="sm">
            Born {formatDate(patient.birthDate)}
            {patient.sex ? ` · ${patient.sex}` : ''}
          </Text>
          {patient.identifiers.map((i) => (
            <Text size="sm" key={`${i.authority}|${i.identifier}`}>
              {i.identifier}{' '}
              <Text span c="dimmed" size="xs">
                ({i.authority})
              </Text>
            </Text>
          ))}
        </Stack>
        <Stack gap={4} align="flex-end">
          <Badge size="lg" variant="light" aria-label={`Indication ${patient.indication}`}>
            {patient.indication}
          </Badge>
          <Text size="sm">
            Care team: <CareTeam id={patient.careTeamId} />
          </Text>
          <Text size="xs" c="dimmed">
            Site {patient.siteId} · enrolled {formatDate(patient.enrolledAt)}
            {patient.enrolmentEndedAt ? ` · enrolment ended ${formatDate(patient.enrolmentEndedAt)}` : ''}
          </Text>
        </Stack>
      </Group>
      {flags.length > 0 && (
        <Group gap="xs" mt="sm" aria-label="Clinical flags">
          {flags.map((f) => (
            <Badge key={f} color="orange" variant="outline">
              {FLAG_LABELS[f]}
            </Badge>
          ))}
        </Group>
      )}
    </Card>
  );
}

function Courses({ courses }: { courses: Course[] }) {
  return (
    <Card withBorder padding="sm" component="section" aria-labelledby="courses-title">
      <Title order={3} size="h4" id="courses-title" mb="xs">
        Courses
      </Title>
      {courses.length === 0 ? (
        <Text size="sm" c="dimmed">
          No course recorded.
        </Text>
      ) : (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Course</Table.Th>
              <Table.Th scope="col">Product</Table.Th>
              <Table.Th scope="col">Infusion days</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...courses]
              .sort((a, b) => a.courseNumber - b.courseNumber)
              .map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.courseNumber}</Table.Td>
                  <Table.Td>{c.product}</Table.Td>
                  <Table.Td>{c.infusionDays.map((d) => formatDate(d)).join(', ') || '—'}</Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** The patient's alerts still waiting for someone, each linking to its page. */
function OpenAlerts({ patientId }: { patientId: string }) {
  const alerts = useQuery({
    queryKey: ['alerts', 'patient', patientId],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/alerts', {
          params: { query: { patientId, state: 'open', sort: 'triage', limit: 100 } },
        }),
      ),
    refetchInterval: 30_000,
  });
  return (
    <Card withBorder padding="sm" component="section" aria-labelledby="alerts-title">
      <Title order={3} size="h4" id="alerts-title" mb="xs">
        Open alerts
      </Title>
      {alerts.isPending ? (
        <PageLoader />
      ) : alerts.error ? (
        <ErrorNote error={alerts.error} title="Alerts could not be loaded" />
      ) : alerts.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No open alerts.
        </Text>
      ) : (
        <Stack gap="xs">
          {alerts.data.items.map((a) => (
            <Group key={a.id} gap="xs" wrap="nowrap" align="flex-start">
              <SeverityBadge severity={a.severity} emergency={a.emergency} />
              <StateBadge state={a.state} />
              <Stack gap={0}>
                <Anchor component={Link} to={`/alerts/${a.reference}`} size="sm">
                  {a.reference}: {a.summary ?? a.ruleId}
                </Anchor>
                <Text size="xs" c="dimmed">
                  Opened {formatDateTime(a.openedAt)}
                  {a.escalation?.nextAt ? ` · next tier paged ${formatDateTime(a.escalation.nextAt)}` : ''}
                </Text>
              </Stack>
            </Group>
          ))}
          {alerts.data.total > alerts.data.items.length && (
            <Text size="xs" c="dimmed">
              {alerts.data.total - alerts.data.items.length} more not shown.
            </Text>
          )}
        </Stack>
      )}
    </Card>
  );
}

/**
 * One patient (`/patients/:id`): who, their courses, their results over time against the rules, the
 * monitoring schedule and open alerts. For admins and clinicians; the API scopes clinicians to their teams
 * and audits every read, so the page reads each thing once and does not poll the patient.
 */
export default function PatientPage() {
  const { id } = useParams();
  const me = useMe();
  const allowed = hasRole(me, 'admin', 'clinician');
  const patient = useQuery({
    queryKey: ['patients', id, 'detail'],
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}', { params: { path: { id: id! } } })),
    enabled: allowed && !!id,
    refetchOnWindowFocus: false,
  });
  const courses = useQuery({
    queryKey: ['patients', id, 'courses'],
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}/courses', { params: { path: { id: id! } } })),
    enabled: allowed && !!id,
    refetchOnWindowFocus: false,
  });

  if (!allowed)
    return (
      <Alert color="gray" title="Not available" role="alert">
        Patient records are for clinicians and administrators.
      </Alert>
    );
  if (patient.isPending) return <PageLoader />;
  if (patient.error)
    return (
      <Stack maw={640}>
        <ErrorNote error={patient.error} title="This patient cannot be shown" />
        <Anchor component={Link} to="/">
          Go to the alert inbox
        </Anchor>
      </Stack>
    );
  const p = patient.data;
  const courseList = courses.data?.items ?? p.courses;
  const infusionDates = courseList.flatMap((c) => c.infusionDays);

  return (
    <Stack gap="md">
      <Header patient={p} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {courses.error ? <ErrorNote error={courses.error} title="Courses could not be loaded" /> : null}
        <Courses courses={courseList} />
        <OpenAlerts patientId={p.id} />
      </SimpleGrid>
      <MonitoringSection patientId={p.id} />
      <ResultsSection patient={p} infusionDates={infusionDates} />
    </Stack>
  );
}
