import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Stack,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError, type Schemas, unwrap } from '../api/client';
import { Explanation, type ExplanationView } from '../components/Explanation';
import { ErrorNote } from '../components/PageError';
import { PageLoader } from '../components/PageLoader';
import { SeverityBadge, StateBadge } from '../components/Severity';
import { formatDateTime } from '../format';
import { hasRole, useMe } from '../session/session';

type AlertDetail = Schemas['AlertDetailDto'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REFERENCE = /^[0-9A-Z]{4}-[0-9A-Z]{4}$/;

/** `/alerts/REF` (the message link) or `/alerts/ID`: the alert's id. */
async function alertIdOf(ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  if (!REFERENCE.test(ref)) throw new ApiError(404, 'There is no alert with this reference', null);
  const page = await unwrap(api.GET('/api/v1/alerts', { params: { query: { reference: ref, limit: 1 } } }));
  const found = page.items[0];
  // The API answers an alert of another team's patient as no alert at all.
  if (!found) throw new ApiError(404, 'There is no alert with this reference that you may see', null);
  return found.id;
}

interface TimelineEntry {
  key: string;
  at: string;
  title: string;
  text: string;
  colour: string;
}

const EVENT_TITLES: Record<string, string> = {
  opened: 'Opened',
  occurrence: 'Occurred again',
  'severity-raised': 'Severity raised',
  'notification-queued': 'Notification queued',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  reopened: 'Reopened',
  escalated: 'Escalated',
  retracted: 'Result retracted',
};

function describe(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of ['via', 'channel', 'tier', 'reason', 'note', 'severity', 'recipients']) {
    const value = detail[key];
    if (value !== undefined && value !== null && typeof value !== 'object')
      parts.push(`${key} ${String(value)}`);
  }
  return parts.join(' · ');
}

/** The alert's story in one list: timeline events and every delivery attempt, in time order. */
function entriesOf(alert: AlertDetail): TimelineEntry[] {
  const events: TimelineEntry[] = alert.timeline.map((e) => ({
    key: `e${e.id}`,
    at: e.at,
    title: EVENT_TITLES[e.type] ?? e.type,
    text: [e.actorName ? `by ${e.actorName}` : '', describe(e.detail)].filter(Boolean).join(' · '),
    colour:
      e.type === 'acknowledged'
        ? 'green'
        : e.type === 'resolved'
          ? 'teal'
          : e.type === 'opened'
            ? 'red'
            : 'gray',
  }));
  const attempts: TimelineEntry[] = alert.deliveryAttempts.map((t) => ({
    key: `d${t.id}`,
    at: t.at,
    title: `${t.channel === 'sms' ? 'SMS' : 'Email'} to ${t.recipient ?? 'a contact point'}: ${t.outcome}`,
    text: `tier ${t.tier}, attempt ${t.attempt}${t.providerResponse ? ` · ${t.providerResponse}` : ''}`,
    colour: t.outcome === 'sent' ? 'blue' : t.outcome === 'skipped' ? 'gray' : 'orange',
  }));
  return [...events, ...attempts].sort((a, b) => a.at.localeCompare(b.at));
}

type Action = 'acknowledge' | 'resolve' | 'reopen';

/** Acknowledge, resolve, reopen: the same rules as the API (which decides; this only hides what cannot apply). */
function Actions({ alert }: { alert: AlertDetail }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const [action, setAction] = useState<Action | null>(null);
  const [text, setText] = useState('');
  const run = useMutation({
    mutationFn: async (a: Action) => {
      const path = { params: { path: { id: alert.id } } };
      if (a === 'acknowledge')
        return unwrap(
          api.POST('/api/v1/alerts/{id}/acknowledge', {
            ...path,
            body: text.trim() ? { note: text.trim() } : {},
          }),
        );
      if (a === 'resolve')
        return unwrap(api.POST('/api/v1/alerts/{id}/resolve', { ...path, body: { reason: text.trim() } }));
      return unwrap(api.POST('/api/v1/alerts/{id}/reopen', { ...path, body: { reason: text.trim() } }));
    },
    onSuccess: () => {
      setAction(null);
      setText('');
      return queryClient.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
  if (!hasRole(me, 'clinician', 'admin')) return null;
  const needsReason = action === 'resolve' || action === 'reopen';
  return (
    <>
      <Group>
        {alert.state === 'open' && (
          <Button onClick={() => setAction('acknowledge')} size="md">
            Acknowledge
          </Button>
        )}
        {alert.state !== 'resolved' && (
          <Button variant="default" onClick={() => setAction('resolve')}>
            Resolve
          </Button>
        )}
        {alert.state !== 'open' && (
          <Button variant="default" onClick={() => setAction('reopen')}>
            Reopen
          </Button>
        )}
      </Group>
      {run.error && <ErrorNote error={run.error} title="Not done" />}
      <Modal
        opened={action !== null}
        onClose={() => setAction(null)}
        title={action ? `${action[0]!.toUpperCase()}${action.slice(1)} ${alert.reference}` : ''}
      >
        <Stack>
          <Textarea
            label={needsReason ? 'Reason' : 'Note (optional)'}
            required={needsReason}
            minLength={needsReason ? 3 : undefined}
            maxLength={1000}
            autosize
            minRows={2}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            data-autofocus
          />
          <Button
            onClick={() => action && run.mutate(action)}
            loading={run.isPending}
            disabled={needsReason && text.trim().length < 3}
          >
            Confirm
          </Button>
        </Stack>
      </Modal>
    </>
  );
}

/** One alert: why it fired, its whole timeline, and what may be done with it. */
export default function AlertPage({ alertRef }: { alertRef: string }) {
  const alert = useQuery({
    queryKey: ['alerts', 'detail', alertRef],
    queryFn: async () =>
      unwrap(api.GET('/api/v1/alerts/{id}', { params: { path: { id: await alertIdOf(alertRef) } } })),
    refetchInterval: 10_000,
  });
  if (alert.isPending) return <PageLoader />;
  if (alert.error)
    return (
      <Stack maw={640}>
        <ErrorNote error={alert.error} title="This alert cannot be shown" />
        <Anchor component={Link} to="/">
          Go to the alert inbox
        </Anchor>
      </Stack>
    );
  const a = alert.data;
  const explanation = a.explanation as ExplanationView;
  return (
    <Stack maw={900} gap="md">
      <Group gap="xs">
        <SeverityBadge severity={a.severity} emergency={a.emergency} />
        <StateBadge state={a.state} />
        <Badge variant="default">{a.ruleId}</Badge>
        <Text size="sm" c="dimmed">
          {a.reference} · opened {formatDateTime(a.openedAt)}
          {a.occurrenceCount > 1 ? ` · ${a.occurrenceCount} occurrences` : ''}
        </Text>
      </Group>
      <Title order={2}>{explanation.title ?? a.ruleId}</Title>
      {a.patientId && (
        <Anchor component={Link} to={`/patients/${a.patientId}`}>
          {a.patientName ?? 'Patient'}: results and monitoring
        </Anchor>
      )}
      {a.state === 'open' && a.escalation?.nextAt && (
        <Alert color="orange" variant="light" role="status">
          Not yet acknowledged: tier {a.escalation.tier + 1} is paged at {formatDateTime(a.escalation.nextAt)}
          .
        </Alert>
      )}
      {a.state === 'resolved' && a.resolutionReason && (
        <Alert color="teal" variant="light" title="Resolved">
          {a.resolutionReason}
        </Alert>
      )}
      <Actions alert={a} />
      <Card withBorder>
        <Explanation explanation={explanation} />
      </Card>
      <Title order={3} size="h4" id="alert-timeline">
        Timeline
      </Title>
      <Timeline bulletSize={14} lineWidth={2} component="section" aria-labelledby="alert-timeline">
        {entriesOf(a).map((e) => (
          <Timeline.Item key={e.key} color={e.colour} title={e.title} data-testid="timeline-entry">
            <Text size="xs" c="dimmed">
              {formatDateTime(e.at)}
            </Text>
            {e.text && <Text size="sm">{e.text}</Text>}
          </Timeline.Item>
        ))}
      </Timeline>
    </Stack>
  );
}
