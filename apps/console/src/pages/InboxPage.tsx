import {
  Anchor,
  Badge,
  Card,
  Group,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useNow } from '../hooks/useNow';
import { api, type Schemas, unwrap } from '../api/client';
import { ErrorNote } from '../components/PageError';
import { PageLoader } from '../components/PageLoader';
import { SeverityBadge, StateBadge } from '../components/Severity';
import { formatDateTime, formatDuration } from '../format';

type AlertItem = Schemas['AlertDto'];

/** How often the inbox asks for new alerts (and the ages tick). */
export const INBOX_REFRESH_MS = 5_000;

/** Age of an open alert against when the next tier is paged: the acknowledgement limit. */
function Age({ alert, now }: { alert: AlertItem; now: number }) {
  const age = formatDuration(now - new Date(alert.openedAt).getTime());
  const next = alert.escalation?.nextAt ? new Date(alert.escalation.nextAt).getTime() : null;
  if (alert.state !== 'open' || next === null) return <Text size="sm">{age}</Text>;
  const left = next - now;
  return (
    <Stack gap={0}>
      <Text size="sm">{age}</Text>
      <Text
        size="xs"
        c={left <= 0 ? 'red' : left < 5 * 60_000 ? 'orange' : 'dimmed'}
        fw={left <= 0 ? 700 : 400}
      >
        {left <= 0
          ? `tier ${alert.escalation!.tier + 1} being paged`
          : `escalates in ${formatDuration(left)}`}
      </Text>
    </Stack>
  );
}

const STATES = [
  { value: 'unresolved', label: 'Open + acknowledged' },
  { value: 'open', label: 'Open' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
];

/**
 * The open alerts of the person's care teams, what needs a person first at the top (the API's triage order),
 * refreshed every few seconds so that a new critical appears without reloading.
 */
export function InboxPage() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? 'unresolved';
  const severity = params.get('severity');
  const rule = params.get('rule') ?? '';
  const patient = params.get('patient') ?? '';
  const now = useNow(INBOX_REFRESH_MS);
  const set = (key: string, value: string | null) =>
    setParams(
      (p) => {
        if (value) p.set(key, value);
        else p.delete(key);
        return p;
      },
      { replace: true },
    );

  const alerts = useQuery({
    queryKey: ['alerts', 'inbox', state, severity, rule],
    queryFn: async () => {
      const query = {
        sort: 'triage' as const,
        limit: 200,
        ...(state !== 'unresolved' ? { state: state as AlertItem['state'] } : {}),
        ...(severity ? { severity: severity as 'critical' | 'warning' | 'info' } : {}),
        ...(/^[A-Z0-9][A-Z0-9-]{0,31}$/.test(rule) ? { ruleId: rule } : {}),
      };
      const page = await unwrap(api.GET('/api/v1/alerts', { params: { query } }));
      return state === 'unresolved'
        ? { ...page, items: page.items.filter((a) => a.state !== 'resolved') }
        : page;
    },
    refetchInterval: INBOX_REFRESH_MS,
    refetchIntervalInBackground: true,
  });

  const items = (alerts.data?.items ?? []).filter(
    (a) => !patient || (a.patientName ?? '').toLowerCase().includes(patient.toLowerCase()),
  );
  const criticalOpen = items.filter((a) => a.state === 'open' && a.severity === 'critical').length;

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={2}>Inbox</Title>
        <Text size="sm" c="dimmed" aria-live="polite">
          {alerts.data
            ? `${items.length} alert${items.length === 1 ? '' : 's'}; ${criticalOpen} critical open`
            : ''}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
        <SegmentedControl
          aria-label="Severity"
          value={severity ?? 'all'}
          onChange={(v) => set('severity', v === 'all' ? null : v)}
          data={[
            { value: 'all', label: 'All' },
            { value: 'critical', label: 'Critical' },
            { value: 'warning', label: 'Warning' },
            { value: 'info', label: 'Info' },
          ]}
        />
        <Select
          aria-label="State"
          data={STATES}
          value={state}
          onChange={(v) => set('state', v === 'unresolved' ? null : v)}
          allowDeselect={false}
        />
        <TextInput
          aria-label="Rule"
          placeholder="Rule, e.g. PLT-4"
          value={rule}
          onChange={(e) => set('rule', e.currentTarget.value.toUpperCase() || null)}
        />
        <TextInput
          aria-label="Patient"
          placeholder="Patient name"
          value={patient}
          onChange={(e) => set('patient', e.currentTarget.value || null)}
        />
      </SimpleGrid>
      {alerts.isPending && <PageLoader />}
      {alerts.error && <ErrorNote error={alerts.error} />}
      {alerts.data && items.length === 0 && (
        <Text c="dimmed">No alerts here. New ones appear without reloading.</Text>
      )}
      {/* A phone gets cards, a desktop a table: the same rows, the same links. */}
      <Stack hiddenFrom="md" gap="xs">
        {items.map((a) => (
          <Card
            key={a.id}
            withBorder
            padding="sm"
            component={Link}
            to={`/alerts/${a.reference}`}
            data-testid="inbox-alert"
          >
            <Group justify="space-between" wrap="nowrap">
              <SeverityBadge severity={a.severity} emergency={a.emergency} />
              <StateBadge state={a.state} />
            </Group>
            <Text fw={600} mt={4}>
              {a.patientName ?? a.ruleId}
            </Text>
            <Text size="sm">{a.summary}</Text>
            <Group justify="space-between" mt={4}>
              <Badge variant="default">{a.ruleId}</Badge>
              <Age alert={a} now={now} />
            </Group>
          </Card>
        ))}
      </Stack>
      <Table visibleFrom="md" striped highlightOnHover aria-label="Alerts">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Patient</Table.Th>
            <Table.Th>Rule</Table.Th>
            <Table.Th>What</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Opened</Table.Th>
            <Table.Th>Age</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((a) => (
            <Table.Tr key={a.id} data-testid="inbox-row">
              <Table.Td>
                <SeverityBadge severity={a.severity} emergency={a.emergency} />
              </Table.Td>
              <Table.Td>
                {a.patientId ? (
                  <Anchor component={Link} to={`/patients/${a.patientId}`}>
                    {a.patientName ?? 'Patient'}
                  </Anchor>
                ) : (
                  '—'
                )}
              </Table.Td>
              <Table.Td>{a.ruleId}</Table.Td>
              <Table.Td>
                <Anchor component={Link} to={`/alerts/${a.reference}`}>
                  {a.summary ?? a.reference}
                  <VisuallyHidden> (alert {a.reference})</VisuallyHidden>
                </Anchor>
              </Table.Td>
              <Table.Td>
                <StateBadge state={a.state} />
              </Table.Td>
              <Table.Td>{formatDateTime(a.openedAt)}</Table.Td>
              <Table.Td>
                <Age alert={a} now={now} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
