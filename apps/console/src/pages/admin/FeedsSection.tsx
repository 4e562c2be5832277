import { Anchor, Badge, Button, Group, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDateTime } from '../../format';
import { AdminTable, ConfirmModal, Pager } from './AdminTable';

type Feed = Schemas['FeedPageDto']['items'][number];

const PAGE_SIZE = 100;
const STATE_LABEL: Record<Feed['state'], string> = { ok: 'OK', quiet: 'Quiet', unknown: 'Unknown' };
const STATE_COLOUR: Record<Feed['state'], string> = { ok: 'teal', quiet: 'orange', unknown: 'gray' };

/** The state in words; the colour only repeats it. */
function FeedState({ feed }: { feed: Feed }) {
  return (
    <Stack gap={0}>
      <Badge variant="dot" color={STATE_COLOUR[feed.state]}>
        {STATE_LABEL[feed.state]}
      </Badge>
      {feed.state === 'quiet' && feed.quietSince && (
        <Text size="xs" c="dimmed">
          since {formatDateTime(feed.quietSince)}
        </Text>
      )}
    </Stack>
  );
}

/**
 * Lab feeds and their health. A quiet feed holds its patients' missed-result alerts (the silence is the feed's,
 * not the patients'); releasing the hold lets those alerts fire, so it is confirmed with a reason.
 */
export function FeedsSection({ canWrite }: { canWrite: boolean }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<'' | Feed['state']>('');
  const [offset, setOffset] = useState(0);
  const [target, setTarget] = useState<Feed | null>(null);
  const [note, setNote] = useState('');

  const feeds = useQuery({
    queryKey: ['admin', 'feeds', state, offset],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/feeds', {
          params: { query: { limit: PAGE_SIZE, offset, ...(state ? { state } : {}) } },
        }),
      ),
    refetchInterval: 30_000,
  });
  const release = useMutation({
    mutationFn: (sender: string) =>
      unwrap(
        api.POST('/api/v1/feeds/{sender}/release-hold', {
          params: { path: { sender } },
          body: note.trim() ? { note: note.trim() } : {},
        }),
      ),
    onSuccess: () => {
      setTarget(null);
      setNote('');
      return queryClient.invalidateQueries({ queryKey: ['admin', 'feeds'] });
    },
  });

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={3}>Lab feeds</Title>
        <Select
          label="State"
          data={[
            { value: 'any', label: 'Any' },
            { value: 'ok', label: 'OK' },
            { value: 'quiet', label: 'Quiet' },
            { value: 'unknown', label: 'Unknown' },
          ]}
          value={state || 'any'}
          onChange={(v) => {
            setState(v === 'ok' || v === 'quiet' || v === 'unknown' ? v : '');
            setOffset(0);
          }}
          allowDeselect={false}
        />
      </Group>
      {feeds.isPending && <PageLoader />}
      {feeds.error && <ErrorNote error={feeds.error} />}
      {feeds.data && (
        <>
          <AdminTable<Feed>
            label="Lab feeds"
            rows={feeds.data.items}
            rowKey={(f) => f.sender}
            empty="No feeds here."
            columns={[
              { header: 'Sender', cell: (f) => f.sender },
              { header: 'Site', cell: (f) => f.siteId ?? '—' },
              { header: 'State', cell: (f) => <FeedState feed={f} /> },
              { header: 'Last seen', cell: (f) => formatDateTime(f.lastSeenAt) },
              {
                header: 'Quiet after',
                cell: (f) => `${f.quietAfterHours} h (${f.rhythmSource})`,
              },
              {
                header: 'Hold',
                cell: (f) =>
                  f.holding
                    ? `Holding ${f.heldPatients} patient${f.heldPatients === 1 ? '' : 's'}`
                    : f.holdReleasedAt
                      ? `Released ${formatDateTime(f.holdReleasedAt)}`
                      : 'Not holding',
              },
              {
                header: 'Alert',
                cell: (f) =>
                  f.alertReference ? (
                    <Anchor component={Link} to={`/alerts/${f.alertReference}`}>
                      {f.alertReference}
                    </Anchor>
                  ) : (
                    '—'
                  ),
              },
              ...(canWrite
                ? [
                    {
                      header: 'Actions',
                      cell: (f: Feed) =>
                        f.holding ? (
                          <Button
                            size="xs"
                            variant="default"
                            onClick={() => {
                              release.reset();
                              setTarget(f);
                            }}
                            aria-label={`Release hold of ${f.sender}`}
                          >
                            Release hold
                          </Button>
                        ) : null,
                    },
                  ]
                : []),
            ]}
          />
          <Pager
            label="Lab feeds"
            offset={offset}
            limit={PAGE_SIZE}
            total={feeds.data.total}
            onChange={setOffset}
          />
        </>
      )}
      <ConfirmModal
        opened={target !== null}
        title={target ? `Release the hold of ${target.sender}?` : ''}
        confirmLabel="Release hold"
        onConfirm={() => target && release.mutate(target.sender)}
        onClose={() => setTarget(null)}
        pending={release.isPending}
        error={release.error}
      >
        <Text size="sm">
          The missed-result alerts of {target?.heldPatients} held patient
          {target?.heldPatients === 1 ? '' : 's'} may fire once released.
        </Text>
        <Textarea
          label="Note (optional, on the alert timeline)"
          maxLength={500}
          autosize
          minRows={2}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
      </ConfirmModal>
    </Stack>
  );
}
