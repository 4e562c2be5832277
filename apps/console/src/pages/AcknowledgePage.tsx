import { Alert, Anchor, Button, Card, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, type Schemas, unwrap } from '../api/client';
import { Explanation, type ExplanationView } from '../components/Explanation';
import { PageLoader } from '../components/PageLoader';
import { SeverityBadge, StateBadge } from '../components/Severity';
import { formatDate, formatDateTime, formatValue } from '../format';

const TrendChart = lazy(() => import('../components/TrendChart'));

type ReadBack = Schemas['ReadBackDto'];

function alertOf(error: unknown): { reference?: string } | null {
  if (!(error instanceof ApiError)) return null;
  const details = (error.body as { details?: { reference?: string } } | null)?.details;
  return details?.reference ? details : null;
}

/** A link that cannot acknowledge, said plainly, with the alert offered instead when the person may see it. */
function LinkRefusal({ error }: { error: unknown }) {
  const status = error instanceof ApiError ? error.status : 0;
  const alert = alertOf(error);
  const title =
    status === 410
      ? 'This link has expired'
      : status === 403
        ? 'This alert is not for you'
        : status === 404
          ? 'This link is not valid'
          : status === 409
            ? 'This link cannot acknowledge any more'
            : 'The link could not be opened';
  const text =
    status === 410
      ? 'Acknowledgement links work for a limited time. The alert itself is still in your inbox.'
      : status === 403
        ? 'It is about a patient of a care team you are not on. Nothing about the patient is shown.'
        : status === 404
          ? 'It may have been cut or altered on the way. Open the alert from your inbox.'
          : error instanceof Error
            ? error.message
            : '';
  return (
    <Alert color={status === 403 ? 'gray' : 'orange'} title={title} role="alert">
      <Stack gap="xs">
        <Text>{text}</Text>
        {alert?.reference ? (
          <Anchor component={Link} to={`/alerts/${alert.reference}`}>
            Open alert {alert.reference}
          </Anchor>
        ) : (
          <Anchor component={Link} to="/">
            Open your alert inbox
          </Anchor>
        )}
      </Stack>
    </Alert>
  );
}

function Patient({ patient }: { patient: NonNullable<ReadBack['patient']> }) {
  return (
    <Card withBorder padding="sm" aria-label="Patient">
      <Text fw={700} size="lg">
        {patient.displayName ?? 'Name not recorded'}
      </Text>
      <Text size="sm">Born {formatDate(patient.birthDate)}</Text>
      {patient.identifiers.map((i) => (
        <Text size="sm" key={`${i.authority}|${i.identifier}`}>
          {i.identifier}{' '}
          <Text span c="dimmed" size="xs">
            ({i.authority})
          </Text>
        </Text>
      ))}
    </Card>
  );
}

/**
 * Where an alert message's link leads (`/acknowledgements/TOKEN`), made for a phone: who, which test and which
 * value, in context, then one button. The read-back is audited by the API.
 */
export function AcknowledgePage() {
  const { token } = useParams();
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const readBack = useQuery({
    queryKey: ['read-back', token],
    queryFn: () =>
      unwrap(api.GET('/api/v1/acknowledgements/{token}', { params: { path: { token: token! } } })),
    refetchOnWindowFocus: false,
  });
  const acknowledge = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/acknowledgements/{token}', {
          params: { path: { token: token! } },
          body: note.trim() ? { note: note.trim() } : {},
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['alerts'] }),
  });

  if (readBack.isPending) return <PageLoader />;
  if (readBack.error) return <LinkRefusal error={readBack.error} />;
  const r = readBack.data;
  const value = r.results[0];
  const done = acknowledge.data;
  const explanation = r.explanation as ExplanationView;

  return (
    <Stack maw={640} gap="md">
      <Group gap="xs">
        <SeverityBadge severity={r.alert.severity} emergency={r.alert.emergency} />
        <StateBadge state={done ? 'acknowledged' : r.alert.state} />
        <Text size="sm" c="dimmed">
          {r.alert.reference} · opened {formatDateTime(r.alert.openedAt)}
        </Text>
      </Group>
      <Title order={2}>{r.alert.title}</Title>
      {r.patient && <Patient patient={r.patient} />}
      {value && (
        <Card withBorder padding="sm" aria-label="Result">
          <Text c="dimmed" size="sm">
            {value.test ?? value.analyte ?? 'Result'}
          </Text>
          <Text fw={700} size="xl" data-testid="read-back-value">
            {formatValue(value.value, value.unit)}
          </Text>
          <Text size="xs" c="dimmed">
            Observed {formatDateTime(value.observedAt)}
          </Text>
        </Card>
      )}
      <Explanation explanation={explanation} />
      {r.trend && (
        <Card withBorder padding="sm">
          <Suspense fallback={<PageLoader />}>
            <TrendChart
              title={`${r.trend.test ?? r.trend.analyte}, last 12 months`}
              unit={r.trend.unit}
              points={r.trend.points}
              thresholds={r.trend.thresholds}
              reference={value?.referenceRange ?? null}
              infusionDates={r.trend.infusionDates}
              from={Date.now() - 365 * 86_400_000}
              to={Date.now()}
              highlight={value?.observedAt ?? null}
              height={200}
            />
          </Suspense>
        </Card>
      )}

      {done ? (
        <Alert color="green" title="Acknowledged" role="status">
          <Stack gap={4}>
            <Text>
              You acknowledged {done.reference} at {formatDateTime(done.acknowledgedAt)}. Escalation has
              stopped: nobody else will be paged for this alert.
            </Text>
            <Anchor component={Link} to={`/alerts/${done.reference}`}>
              Open the alert and its timeline
            </Anchor>
          </Stack>
        </Alert>
      ) : r.link.usable ? (
        <Stack gap="sm">
          <Textarea
            label="Note (optional)"
            description="What was done or will be done"
            maxLength={1000}
            autosize
            minRows={2}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
          />
          {acknowledge.error && <LinkRefusal error={acknowledge.error} />}
          <Button size="lg" fullWidth onClick={() => acknowledge.mutate()} loading={acknowledge.isPending}>
            Acknowledge
          </Button>
          <Text size="xs" c="dimmed">
            Acknowledging records that you have read this result; it stops the escalation to others.
          </Text>
        </Stack>
      ) : (
        <Alert color="orange" title="This link cannot acknowledge any more" role="status">
          <Stack gap={4}>
            <Text>
              {r.link.usedAt
                ? `It was used at ${formatDateTime(r.link.usedAt)}.`
                : r.alert.state === 'acknowledged'
                  ? `The alert was acknowledged at ${formatDateTime(r.alert.acknowledgedAt)}.`
                  : 'The alert is resolved.'}
            </Text>
            <Anchor component={Link} to={`/alerts/${r.alert.reference}`}>
              Open alert {r.alert.reference}
            </Anchor>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
