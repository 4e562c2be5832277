import { Button, Group, Modal, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { type ReactNode } from 'react';
import { ErrorNote } from '../../components/PageError';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
}

/** One table shape for every admin list: a name for screen readers, an empty state in words. */
export function AdminTable<T>({
  label,
  columns,
  rows,
  rowKey,
  empty = 'Nothing here.',
}: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty?: string;
}) {
  if (rows.length === 0) return <Text c="dimmed">{empty}</Text>;
  return (
    // On a phone the table scrolls sideways: the scrolling region takes the focus so the keyboard can scroll it.
    <ScrollArea type="auto" viewportProps={{ tabIndex: 0, role: 'region', 'aria-label': label }}>
      <Table striped highlightOnHover aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.header}>{c.header}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={rowKey(row)}>
              {columns.map((c) => (
                <Table.Td key={c.header}>{c.cell(row)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

/** Offset paging of the list endpoints (`limit`/`offset`, `total` rows match). */
export function Pager({
  offset,
  limit,
  total,
  onChange,
  label,
}: {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
  label: string;
}) {
  const last = Math.min(offset + limit, total);
  return (
    <Group justify="space-between" aria-label={`${label} pages`} role="group">
      <Text size="sm" c="dimmed" aria-live="polite">
        {total === 0 ? 'No rows' : `Rows ${offset + 1}–${last} of ${total}`}
      </Text>
      <Group gap="xs">
        <Button
          variant="default"
          size="xs"
          disabled={offset === 0}
          onClick={() => onChange(Math.max(0, offset - limit))}
        >
          Previous
        </Button>
        <Button variant="default" size="xs" disabled={last >= total} onClick={() => onChange(offset + limit)}>
          Next
        </Button>
      </Group>
    </Group>
  );
}

/** Replays and revocations change what the system does: they are said out loud and confirmed first. */
export function ConfirmModal({
  opened,
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  pending,
  error,
  danger = false,
}: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  pending: boolean;
  error: unknown;
  danger?: boolean;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={title}>
      <Stack>
        {children}
        {error ? <ErrorNote error={error} title="Not done" /> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color={danger ? 'red' : undefined} loading={pending} onClick={onConfirm} data-autofocus>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Yes/no in words, not only colour. */
export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}
