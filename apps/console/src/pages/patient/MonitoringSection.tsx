import {
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDate, formatDateTime } from '../../format';
import { hasRole, useMe } from '../../session/session';

type Expectation = Schemas['PatientMonitoringDto']['expectations'][number];
type Suspension = Schemas['SuspensionListDto']['items'][number];
type Reason = Schemas['CreateSuspensionDto']['reason'];

const STATUS_COLOURS: Record<string, string> = {
  'overdue-critical': 'red',
  'overdue-warning': 'orange',
  due: 'yellow',
  partial: 'yellow',
  suspended: 'gray',
  held: 'grape',
  met: 'green',
};

const REASONS: { value: Reason; label: string }[] = [
  { value: 'hospitalised', label: 'Hospitalised' },
  { value: 'transferred', label: 'Transferred' },
  { value: 'deceased', label: 'Deceased' },
  { value: 'off-protocol', label: 'Off protocol' },
];

/** The status in words (colour only repeats it), with how late it is. */
function StatusBadge({ e }: { e: Expectation }) {
  const late = e.daysOverdue && e.daysOverdue > 0 ? ` · ${e.daysOverdue} d` : '';
  return (
    <Badge color={STATUS_COLOURS[e.status] ?? 'blue'} variant="light">
      {e.status.replace('-', ' ')}
      {late}
    </Badge>
  );
}

/** Only the schedule and suspensions are read again: every read of the patient is audited. */
function invalidateSchedule(queryClient: QueryClient, patientId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ['patients', patientId, 'suspensions'] }),
    queryClient.invalidateQueries({ queryKey: ['patients', patientId, 'monitoring'] }),
  ]);
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Suspending monitoring stops missed-test alerts for a while (a stay in hospital, a transfer): the API records who. */
function SuspendForm({ patientId, onDone }: { patientId: string; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState<Reason | null>(null);
  const [startDay, setStartDay] = useState(today);
  const [endDay, setEndDay] = useState('');
  const [note, setNote] = useState('');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/patients/{id}/suspensions', {
          params: { path: { id: patientId } },
          body: {
            reason: reason!,
            startDay,
            endDay: endDay || null,
            note: note.trim() || null,
          },
        }),
      ),
    onSuccess: async () => {
      await invalidateSchedule(queryClient, patientId);
      onDone();
    },
  });
  return (
    <Stack>
      <Select
        label="Reason"
        required
        data={REASONS}
        value={reason}
        onChange={(v) => setReason(v as Reason | null)}
        data-autofocus
      />
      <TextInput
        label="First day"
        type="date"
        required
        value={startDay}
        onChange={(e) => setStartDay(e.currentTarget.value)}
      />
      <TextInput
        label="Last day (optional)"
        description="Leave empty until the patient is back"
        type="date"
        value={endDay}
        min={startDay}
        onChange={(e) => setEndDay(e.currentTarget.value)}
      />
      <Textarea
        label="Note (optional)"
        maxLength={500}
        autosize
        minRows={2}
        value={note}
        onChange={(e) => setNote(e.currentTarget.value)}
      />
      {create.error && <ErrorNote error={create.error} title="Not suspended" />}
      <Button onClick={() => create.mutate()} loading={create.isPending} disabled={!reason || !startDay}>
        Suspend monitoring
      </Button>
    </Stack>
  );
}

function Suspensions({ patientId, canChange }: { patientId: string; canChange: boolean }) {
  const queryClient = useQueryClient();
  const suspensions = useQuery({
    queryKey: ['patients', patientId, 'suspensions'],
    queryFn: () =>
      unwrap(api.GET('/api/v1/patients/{id}/suspensions', { params: { path: { id: patientId } } })),
  });
  const withdraw = useMutation({
    mutationFn: (s: Suspension) =>
      unwrap(
        api.POST('/api/v1/patients/{id}/suspensions/{suspensionId}/withdraw', {
          params: { path: { id: patientId, suspensionId: s.id } },
        }),
      ),
    onSuccess: () => invalidateSchedule(queryClient, patientId),
  });
  if (suspensions.isPending) return <PageLoader />;
  if (suspensions.error)
    return <ErrorNote error={suspensions.error} title="Suspensions could not be loaded" />;
  const active = suspensions.data.items.filter((s) => !s.withdrawnAt);
  if (active.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Monitoring is not suspended.
      </Text>
    );
  return (
    <Stack gap="xs">
      {withdraw.error && <ErrorNote error={withdraw.error} title="Not withdrawn" />}
      {active.map((s) => (
        <Group key={s.id} gap="sm" wrap="wrap">
          <Text size="sm">
            Suspended ({s.reason}) from {formatDate(s.startDay)}
            {s.endDay ? ` to ${formatDate(s.endDay)}` : ', no end day'}
            {s.note ? ` · ${s.note}` : ''}
          </Text>
          {canChange && (
            <Button
              size="xs"
              variant="default"
              onClick={() => withdraw.mutate(s)}
              loading={withdraw.isPending && withdraw.variables?.id === s.id}
              aria-label={`Withdraw the suspension from ${formatDate(s.startDay)} (release monitoring)`}
            >
              Withdraw
            </Button>
          )}
        </Group>
      ))}
    </Stack>
  );
}

/** What tests the patient is due, what is late and what is paused, as the scheduler last evaluated it. */
export function MonitoringSection({ patientId }: { patientId: string }) {
  const me = useMe();
  const [suspending, setSuspending] = useState(false);
  const monitoring = useQuery({
    queryKey: ['patients', patientId, 'monitoring'],
    queryFn: () =>
      unwrap(api.GET('/api/v1/patients/{id}/monitoring', { params: { path: { id: patientId } } })),
  });
  // The API lets admins and clinicians (of the patient's team) suspend and withdraw (x-roles).
  const canChange = hasRole(me, 'admin', 'clinician');
  return (
    <Stack gap="sm" component="section" aria-labelledby="monitoring-title">
      <Group justify="space-between">
        <Title order={3} size="h4" id="monitoring-title">
          Monitoring schedule
        </Title>
        {canChange && (
          <Button variant="default" size="sm" onClick={() => setSuspending(true)}>
            Suspend monitoring…
          </Button>
        )}
      </Group>
      <Suspensions patientId={patientId} canChange={canChange} />
      {monitoring.isPending ? (
        <PageLoader />
      ) : monitoring.error ? (
        <ErrorNote error={monitoring.error} title="The schedule could not be loaded" />
      ) : (
        <>
          <Text size="xs" c="dimmed">
            Evaluated {formatDateTime(monitoring.data.evaluatedAt)}
            {monitoring.data.awaitingEvaluation ? ' · new input waits for the next evaluation' : ''}
            {monitoring.data.nextCheckAt
              ? ` · next check ${formatDateTime(monitoring.data.nextCheckAt)}`
              : ''}
          </Text>
          {monitoring.data.expectations.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing is expected of this patient at the moment.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table striped fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Test</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Due</Table.Th>
                    <Table.Th scope="col">Overdue (warning / critical)</Table.Th>
                    <Table.Th scope="col">Last received</Table.Th>
                    <Table.Th scope="col">Detail</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {monitoring.data.expectations.map((e) => (
                    <Table.Tr key={`${e.ruleId}|${e.courseNumber ?? ''}`}>
                      <Table.Td>
                        {e.title ?? e.ruleId}
                        {e.courseNumber !== null ? ` (course ${e.courseNumber})` : ''}
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge e={e} />
                      </Table.Td>
                      <Table.Td>{formatDate(e.dueDay)}</Table.Td>
                      <Table.Td>
                        {formatDate(e.warningDay)} / {formatDate(e.criticalDay)}
                      </Table.Td>
                      <Table.Td>{formatDate(e.lastReceivedDay)}</Table.Td>
                      <Table.Td>
                        <Stack gap={2}>
                          {e.missingComponents.length > 0 && (
                            <Text size="xs">Missing: {e.missingComponents.join(', ')}</Text>
                          )}
                          {e.heldBy.length > 0 && (
                            <Text size="xs">
                              Held by {e.heldBy.join(', ')}
                              {e.holdUntil ? ` until ${formatDateTime(e.holdUntil)}` : ''}
                            </Text>
                          )}
                          {e.suspension && (
                            <Text size="xs">
                              Suspended ({e.suspension.reason}) by {e.suspension.author}
                            </Text>
                          )}
                          {e.summary && <Text size="xs">{e.summary}</Text>}
                          {e.alert && (
                            <Anchor component={Link} to={`/alerts/${e.alert.reference}`} size="xs">
                              Alert {e.alert.reference} ({e.alert.state})
                            </Anchor>
                          )}
                        </Stack>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </>
      )}
      <Modal opened={suspending} onClose={() => setSuspending(false)} title="Suspend monitoring">
        <SuspendForm patientId={patientId} onDone={() => setSuspending(false)} />
      </Modal>
    </Stack>
  );
}
