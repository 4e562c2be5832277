import { Anchor, Badge, Button, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDateTime } from '../../format';
import { AdminTable, ConfirmModal, Pager } from './AdminTable';

type FailedRow = Schemas['FailedDeliveryPageDto']['items'][number];

const PAGE_SIZE = 50;

/**
 * Alert messages that never reached their contact point. A replay sends the message again (a person may be
 * paged), so it is confirmed first; auditors see the list without the button.
 */
export function FailedDeliveriesSection({ canWrite }: { canWrite: boolean }) {
  const queryClient = useQueryClient();
  const [replayed, setReplayed] = useState<'false' | 'true' | 'all'>('false');
  const [channel, setChannel] = useState<'' | 'email' | 'sms'>('');
  const [offset, setOffset] = useState(0);
  const [target, setTarget] = useState<FailedRow | null>(null);

  const list = useQuery({
    queryKey: ['admin', 'failed-deliveries', replayed, channel, offset],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/failed-deliveries', {
          params: {
            query: {
              limit: PAGE_SIZE,
              offset,
              ...(replayed === 'all' ? {} : { replayed }),
              ...(channel ? { channel } : {}),
            },
          },
        }),
      ),
  });
  const replay = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/v1/failed-deliveries/{id}/replay', { params: { path: { id } } })),
    onSuccess: () => {
      setTarget(null);
      return queryClient.invalidateQueries({ queryKey: ['admin', 'failed-deliveries'] });
    },
  });

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={3}>Failed deliveries</Title>
        <Group gap="xs" align="end">
          <Select
            label="Channel"
            data={[
              { value: 'any', label: 'Any' },
              { value: 'email', label: 'Email' },
              { value: 'sms', label: 'SMS' },
            ]}
            value={channel || 'any'}
            onChange={(v) => {
              setChannel(v === 'email' || v === 'sms' ? v : '');
              setOffset(0);
            }}
            allowDeselect={false}
          />
          <Select
            label="Show"
            data={[
              { value: 'false', label: 'Not replayed' },
              { value: 'true', label: 'Replayed' },
              { value: 'all', label: 'All' },
            ]}
            value={replayed}
            onChange={(v) => {
              setReplayed((v as 'false' | 'true' | 'all' | null) ?? 'false');
              setOffset(0);
            }}
            allowDeselect={false}
          />
        </Group>
      </Group>
      {list.isPending && <PageLoader />}
      {list.error && <ErrorNote error={list.error} />}
      {list.data && (
        <>
          <AdminTable<FailedRow>
            label="Failed deliveries"
            rows={list.data.items}
            rowKey={(r) => r.id}
            empty="No failed deliveries here."
            columns={[
              {
                header: 'Alert',
                cell: (r) => (
                  <Anchor component={Link} to={`/alerts/${r.alertReference}`}>
                    {r.alertReference}
                  </Anchor>
                ),
              },
              { header: 'Alert state', cell: (r) => r.alertState },
              { header: 'Tier', cell: (r) => r.tier },
              { header: 'To', cell: (r) => `${r.channel === 'sms' ? 'SMS' : 'Email'} ${r.address}` },
              { header: 'Attempts', cell: (r) => r.attempts },
              { header: 'Failed', cell: (r) => formatDateTime(r.failedAt) },
              { header: 'Last error', cell: (r) => r.lastError ?? '—' },
              {
                header: 'Replayed',
                cell: (r) =>
                  r.replayedAt ? (
                    <Badge variant="light" color="teal">
                      Replayed {formatDateTime(r.replayedAt)}
                    </Badge>
                  ) : (
                    <Text size="sm">Not replayed</Text>
                  ),
              },
              ...(canWrite
                ? [
                    {
                      header: 'Actions',
                      cell: (r: FailedRow) => (
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => {
                            replay.reset();
                            setTarget(r);
                          }}
                          aria-label={`Replay delivery to ${r.address} for alert ${r.alertReference}`}
                        >
                          Replay
                        </Button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <Pager
            label="Failed deliveries"
            offset={offset}
            limit={PAGE_SIZE}
            total={list.data.total}
            onChange={setOffset}
          />
        </>
      )}
      <ConfirmModal
        opened={target !== null}
        title={target ? `Send again for alert ${target.alertReference}?` : ''}
        confirmLabel="Send again"
        onConfirm={() => target && replay.mutate(target.id)}
        onClose={() => setTarget(null)}
        pending={replay.isPending}
        error={replay.error}
      >
        <Text size="sm">
          The {target?.channel === 'sms' ? 'SMS' : 'email'} to {target?.address} is sent again. The alert is{' '}
          {target?.alertState}.
          {target && target.carried > 0
            ? ` This message also carried ${target.carried} other deliveries.`
            : ''}
        </Text>
      </ConfirmModal>
    </Stack>
  );
}
