import { Badge, Button, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDateTime } from '../../format';
import { AdminTable, ConfirmModal, Pager } from './AdminTable';

type DlqRow = Schemas['DlqPageDto']['items'][number];

const PAGE_SIZE = 50;

/**
 * Messages the pipeline could not process. Replaying puts the original back on its topic, so it is confirmed
 * first; only admins may (the API refuses anyone else anyway).
 */
export function DeadLettersSection({ canWrite }: { canWrite: boolean }) {
  const queryClient = useQueryClient();
  const [replayed, setReplayed] = useState<'false' | 'true' | 'all'>('false');
  const [offset, setOffset] = useState(0);
  const [target, setTarget] = useState<DlqRow | null>(null);

  const list = useQuery({
    queryKey: ['admin', 'dlq', replayed, offset],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/dlq', {
          params: {
            query: { limit: PAGE_SIZE, offset, ...(replayed === 'all' ? {} : { replayed }) },
          },
        }),
      ),
  });
  const replay = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/dlq/{id}/replay', { params: { path: { id } } })),
    onSuccess: () => {
      setTarget(null);
      return queryClient.invalidateQueries({ queryKey: ['admin', 'dlq'] });
    },
  });

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={3}>Dead letters</Title>
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
      {list.isPending && <PageLoader />}
      {list.error && <ErrorNote error={list.error} />}
      {list.data && (
        <>
          <AdminTable<DlqRow>
            label="Dead letters"
            rows={list.data.items}
            rowKey={(r) => r.id}
            empty="No dead letters here."
            columns={[
              { header: 'Id', cell: (r) => r.id },
              { header: 'Received', cell: (r) => formatDateTime(r.createdAt) },
              {
                header: 'Source',
                cell: (r) => `${r.sourceTopic} [${r.sourcePartition}] @${r.sourceOffset}`,
              },
              { header: 'Reason', cell: (r) => r.reason },
              { header: 'Size', cell: (r) => `${r.payloadBytes} bytes` },
              {
                header: 'Replayed',
                cell: (r) =>
                  r.replayedAt ? (
                    <Badge variant="light" color="teal">
                      Replayed {formatDateTime(r.replayedAt)}
                      {r.replayedBy ? ` by ${r.replayedBy}` : ''}
                    </Badge>
                  ) : (
                    <Text size="sm">Not replayed</Text>
                  ),
              },
              ...(canWrite
                ? [
                    {
                      header: 'Actions',
                      cell: (r: DlqRow) => (
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => {
                            replay.reset();
                            setTarget(r);
                          }}
                          aria-label={`Replay dead letter ${r.id}`}
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
            label="Dead letters"
            offset={offset}
            limit={PAGE_SIZE}
            total={list.data.total}
            onChange={setOffset}
          />
        </>
      )}
      <ConfirmModal
        opened={target !== null}
        title={target ? `Replay dead letter ${target.id}?` : ''}
        confirmLabel="Replay"
        onConfirm={() => target && replay.mutate(target.id)}
        onClose={() => setTarget(null)}
        pending={replay.isPending}
        error={replay.error}
      >
        <Text size="sm">
          The original message goes back to {target?.sourceTopic} and is processed again. It failed because:{' '}
          {target?.reason}
        </Text>
      </ConfirmModal>
    </Stack>
  );
}
