import { Alert, Anchor, Card, Grid, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense } from 'react';
import { Link } from 'react-router';
import { useNow } from '../hooks/useNow';
import { api, unwrap } from '../api/client';
import { ErrorNote } from '../components/PageError';
import { PageLoader } from '../components/PageLoader';
import { formatDateTime, formatDuration } from '../format';
import { hasRole, useMe } from '../session/session';
import { LIMIT_BUCKETS, limitBucket, overdueByTest } from './overview/metrics';

// Recharts loads with the first chart, not with the console.
const BarFigure = lazy(() => import('./overview/BarFigure'));

const REFRESH_MS = 30_000;
const OVERDUE_LIMIT = 5_000;

/** A panel of the overview: the picture first, its numbers beside it (below it on a phone). */
function Panel({
  id,
  title,
  picture,
  numbers,
}: {
  id: string;
  title: string;
  picture: ReactNode;
  numbers: ReactNode;
}) {
  return (
    <Card withBorder padding="md" component="section" aria-labelledby={id}>
      <Title order={3} size="h4" id={id} mb="sm">
        {title}
      </Title>
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Suspense fallback={<PageLoader />}>{picture}</Suspense>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>{numbers}</Grid.Col>
      </Grid>
    </Card>
  );
}

function OpenCriticals({ now }: { now: number }) {
  const alerts = useQuery({
    queryKey: ['alerts', 'overview', 'open-critical'],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/alerts', {
          params: { query: { state: 'open', severity: 'critical', sort: 'triage', limit: 500 } },
        }),
      ),
    refetchInterval: REFRESH_MS,
  });
  const title = 'Open critical alerts against the acknowledgement limit';
  if (alerts.isPending) return <PageLoader />;
  if (alerts.error)
    return <ErrorNote error={alerts.error} title="Open critical alerts could not be loaded" />;
  const items = alerts.data.items;
  const counts = LIMIT_BUCKETS.map((bucket) => ({
    bucket,
    alerts: items.filter((a) => limitBucket(a, now) === bucket).length,
  }));
  return (
    <Panel
      id="criticals-title"
      title={`${title}: ${alerts.data.total}`}
      picture={
        <BarFigure
          title={title}
          data={counts}
          categoryKey="bucket"
          series={[{ key: 'alerts', label: 'Open critical alerts', colour: '#e03131' }]}
          unit="alerts"
        />
      }
      numbers={
        <Stack gap="xs">
          <Table fz="sm">
            <Table.Caption>Open critical alerts by time left before the next tier is paged</Table.Caption>
            <Table.Tbody>
              {counts.map((c) => (
                <Table.Tr key={c.bucket}>
                  <Table.Th scope="row" fw={c.bucket === 'past the limit' ? 700 : 400}>
                    {c.bucket}
                  </Table.Th>
                  <Table.Td ta="right">{c.alerts}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {items.slice(0, 10).map((a) => {
            const next = a.escalation?.nextAt ? new Date(a.escalation.nextAt).getTime() : null;
            return (
              <Text size="xs" key={a.id}>
                <Anchor component={Link} to={`/alerts/${a.reference}`} size="xs">
                  {a.reference}
                </Anchor>{' '}
                {a.patientName ?? ''} · open {formatDuration(now - new Date(a.openedAt).getTime())}
                {next === null
                  ? ''
                  : next <= now
                    ? ' · past the limit'
                    : ` · escalates in ${formatDuration(next - now)}`}
              </Text>
            );
          })}
          {items.length > 10 && (
            <Anchor component={Link} to="/" size="xs">
              All {alerts.data.total} in the inbox
            </Anchor>
          )}
        </Stack>
      }
    />
  );
}

/** Time to acknowledge over the last 30 days, p50 and p95 by severity, computed by the API over every alert. */
function TimeToAcknowledge() {
  const times = useQuery({
    queryKey: ['alerts', 'overview', 'acknowledgement-times'],
    queryFn: () =>
      unwrap(api.GET('/api/v1/alerts/acknowledgement-times', { params: { query: { days: 30 } } })),
    staleTime: 5 * 60_000,
  });
  const title = 'Time to acknowledge, last 30 days (p50 and p95)';
  if (times.isPending) return <PageLoader />;
  if (times.error) return <ErrorNote error={times.error} title="Times to acknowledge could not be loaded" />;
  const rows = times.data.severities;
  return (
    <Panel
      id="tta-title"
      title={title}
      picture={
        <BarFigure
          title={title}
          data={rows.map((r) => ({ severity: r.severity, p50: r.p50Minutes ?? 0, p95: r.p95Minutes ?? 0 }))}
          categoryKey="severity"
          series={[
            { key: 'p50', label: 'median (p50)', colour: '#364fc7' },
            { key: 'p95', label: '95th percentile (p95)', colour: '#91a7ff' },
          ]}
          unit="minutes"
        />
      }
      numbers={
        <Stack gap="xs">
          <Table fz="sm">
            <Table.Caption>Minutes from opening to acknowledgement, by severity</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Severity</Table.Th>
                <Table.Th scope="col" ta="right">
                  p50
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  p95
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Acknowledged / opened
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.severity}>
                  <Table.Th scope="row">{r.severity}</Table.Th>
                  <Table.Td ta="right">{r.p50Minutes === null ? '—' : `${r.p50Minutes} min`}</Table.Td>
                  <Table.Td ta="right">{r.p95Minutes === null ? '—' : `${r.p95Minutes} min`}</Table.Td>
                  <Table.Td ta="right">
                    {r.acknowledged} / {r.opened}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed">
            Alerts opened since {formatDateTime(times.data.from)}. A bar at 0 means no alert of that severity
            was acknowledged.
          </Text>
        </Stack>
      }
    />
  );
}

/** Not for auditors: the API opens the overdue list to admins and clinicians only. */
function OverdueMonitoring() {
  const overdue = useQuery({
    queryKey: ['monitoring', 'overdue', 'overview'],
    queryFn: () =>
      unwrap(api.GET('/api/v1/monitoring/overdue', { params: { query: { limit: OVERDUE_LIMIT } } })),
    refetchInterval: 5 * 60_000,
  });
  const title = 'Overdue monitoring by test';
  if (overdue.isPending) return <PageLoader />;
  if (overdue.error)
    return <ErrorNote error={overdue.error} title="Overdue monitoring could not be loaded" />;
  const rows = overdueByTest(overdue.data.items);
  const withOther = rows.some((r) => r.other > 0);
  return (
    <Panel
      id="overdue-title"
      title={`${title}: ${overdue.data.total}`}
      picture={
        <BarFigure
          title={title}
          data={rows.map((r) => ({ ...r }))}
          categoryKey="test"
          series={[
            { key: 'critical', label: 'overdue, critical', colour: '#e03131' },
            { key: 'warning', label: 'overdue, warning', colour: '#f08c00' },
            ...(withOther ? [{ key: 'other', label: 'other', colour: '#adb5bd' }] : []),
          ]}
          unit="patients"
        />
      }
      numbers={
        <Stack gap="xs">
          <Table fz="sm">
            <Table.Caption>Overdue expectations per test</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Test</Table.Th>
                <Table.Th scope="col" ta="right">
                  Critical
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Warning
                </Table.Th>
                {withOther && (
                  <Table.Th scope="col" ta="right">
                    Other
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.test}>
                  <Table.Th scope="row">{r.test}</Table.Th>
                  <Table.Td ta="right">{r.critical}</Table.Td>
                  <Table.Td ta="right">{r.warning}</Table.Td>
                  {withOther && <Table.Td ta="right">{r.other}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {overdue.data.total > overdue.data.items.length && (
            <Text size="xs" c="dimmed">
              Counted from the first {overdue.data.items.length} of {overdue.data.total}.
            </Text>
          )}
        </Stack>
      }
    />
  );
}

function QuietFeeds({ now }: { now: number }) {
  const feeds = useQuery({
    queryKey: ['feeds', 'quiet'],
    queryFn: () => unwrap(api.GET('/api/v1/feeds', { params: { query: { state: 'quiet', limit: 200 } } })),
    refetchInterval: REFRESH_MS,
  });
  const title = 'Quiet feeds: hours since last message';
  if (feeds.isPending) return <PageLoader />;
  if (feeds.error) return <ErrorNote error={feeds.error} title="Feeds could not be loaded" />;
  const rows = feeds.data.items.map((f) => ({
    feed: f.sender,
    hours: f.lastSeenAt ? Math.round((now - new Date(f.lastSeenAt).getTime()) / 360_000) / 10 : 0,
    f,
  }));
  return (
    <Panel
      id="feeds-title"
      title={`Quiet feeds: ${feeds.data.total}`}
      picture={
        <BarFigure
          title={title}
          // A feed never heard from has no age to draw; the table lists it as “never”.
          data={rows.filter(({ f }) => f.lastSeenAt).map(({ feed, hours }) => ({ feed, hours }))}
          categoryKey="feed"
          series={[{ key: 'hours', label: 'hours since last message', colour: '#f08c00' }]}
          unit="hours"
        />
      }
      numbers={
        rows.length === 0 ? (
          <Text size="sm">Every feed is sending.</Text>
        ) : (
          <Table fz="sm">
            <Table.Caption>Feeds that have gone quiet</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Feed</Table.Th>
                <Table.Th scope="col">Last message</Table.Th>
                <Table.Th scope="col">Holding</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map(({ f }) => (
                <Table.Tr key={f.sender}>
                  <Table.Th scope="row">
                    {f.alertReference ? (
                      <Anchor component={Link} to={`/alerts/${f.alertReference}`} size="sm">
                        {f.sender}
                      </Anchor>
                    ) : (
                      f.sender
                    )}
                    {f.siteId ? (
                      <Text span size="xs" c="dimmed">
                        {' '}
                        ({f.siteId})
                      </Text>
                    ) : null}
                  </Table.Th>
                  <Table.Td>
                    {f.lastSeenAt ? `${formatDuration(now - new Date(f.lastSeenAt).getTime())} ago` : 'never'}
                  </Table.Td>
                  <Table.Td>{f.holding ? `yes, ${f.heldPatients} patients` : 'no'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )
      }
    />
  );
}

/** Admins only (the API's x-roles): messages that could not be processed and wait for a replay. */
function DeadLetters() {
  const dlq = useQuery({
    queryKey: ['dlq', 'depth'],
    queryFn: () => unwrap(api.GET('/api/v1/dlq', { params: { query: { replayed: 'false', limit: 1 } } })),
    refetchInterval: REFRESH_MS,
  });
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="dlq-title">
      <Title order={3} size="h4" id="dlq-title">
        Dead-letter queue
      </Title>
      {dlq.isPending ? (
        <PageLoader />
      ) : dlq.error ? (
        <ErrorNote error={dlq.error} title="The dead-letter queue could not be read" />
      ) : (
        <Group gap="xs" align="baseline">
          <Text fw={700} size="xl" data-testid="dlq-depth">
            {dlq.data.total}
          </Text>
          <Text size="sm">
            {dlq.data.total === 1 ? 'message waits' : 'messages wait'} for a replay (not yet replayed).
          </Text>
        </Group>
      )}
    </Card>
  );
}

/**
 * `/overview`: how the service is doing, for admins and auditors. Pictures first, the numbers beside them.
 * Panels the API closes to a role (overdue monitoring, the dead-letter queue) say so instead of failing.
 */
export default function OverviewPage() {
  const me = useMe();
  const now = useNow(15_000);
  if (!hasRole(me, 'admin', 'auditor'))
    return (
      <Alert color="gray" title="Not available" role="alert">
        The overview is for administrators and auditors.
      </Alert>
    );
  const admin = hasRole(me, 'admin');
  return (
    <Stack gap="md">
      <Title order={2}>Overview</Title>
      <OpenCriticals now={now} />
      <TimeToAcknowledge />
      {admin ? (
        <OverdueMonitoring />
      ) : (
        <Text size="sm" c="dimmed">
          Overdue monitoring is open to administrators and clinicians only.
        </Text>
      )}
      <QuietFeeds now={now} />
      {admin ? (
        <DeadLetters />
      ) : (
        <Text size="sm" c="dimmed">
          The dead-letter queue is open to administrators only.
        </Text>
      )}
    </Stack>
  );
}
