import { Alert, Button, Code, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDateTime } from '../../format';
import { AdminTable, Pager } from './AdminTable';

type AuditRow = Schemas['AuditPageDto']['items'][number];
type Verification = Schemas['AuditVerificationDto'];

const PAGE_SIZE = 50;

interface Filters {
  action: string;
  actorId: string;
  entityType: string;
  entityId: string;
  patientId: string;
  outcome: string;
  from: string;
  to: string;
  order: 'asc' | 'desc';
}

const NO_FILTERS: Filters = {
  action: '',
  actorId: '',
  entityType: '',
  entityId: '',
  patientId: '',
  outcome: '',
  from: '',
  to: '',
  order: 'desc',
};

/** `datetime-local` is wall-clock time without a zone; the API wants an instant with its offset. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The query the API takes: only the filters filled in (an empty string would be refused). */
function queryOf(f: Filters) {
  const q: Record<string, string> = { order: f.order };
  for (const key of ['action', 'actorId', 'entityType', 'entityId', 'patientId'] as const) {
    const v = f[key].trim();
    if (v) q[key] = v;
  }
  if (f.outcome) q.outcome = f.outcome;
  const from = instant(f.from);
  const to = instant(f.to);
  if (from) q.from = from;
  if (to) q.to = to;
  return q as {
    order: 'asc' | 'desc';
    action?: string;
    actorId?: string;
    entityType?: string;
    entityId?: string;
    patientId?: string;
    outcome?: 'success' | 'failure' | 'denied';
    from?: string;
    to?: string;
  };
}

/** What the signed anchors outside the database vouch for. */
function anchorsText(anchors: Verification['anchors']): string {
  if (!anchors) return 'No anchors are configured: an edit by the database owner could go unseen.';
  const vouched = anchors.lastGood ? `vouched for up to row ${anchors.lastGood.seq}` : 'none holds yet';
  return `${anchors.checked} signed anchor${anchors.checked === 1 ? '' : 's'} read; ${vouched}.`;
}

/** The result of checking the hash chain: a break is said in words and announced, never only red. */
function VerificationResult({ result }: { result: Verification }) {
  if (result.ok)
    return (
      <Alert color="gray" title="Chain intact" role="status">
        {result.rowsChecked} rows checked; every hash links to the one before
        {result.head ? ` (head row ${result.head.seq})` : ''}. {anchorsText(result.anchors)}
      </Alert>
    );
  const b = result.firstBreak;
  const failure = result.anchors?.firstFailure;
  const problem = result.anchors?.problems[0];
  const title = b
    ? `Chain broken at row ${b.seq}`
    : failure
      ? `Anchors fail from row ${failure.seq}`
      : 'Anchors fail';
  return (
    <Alert color="red" title={title} role="alert">
      <Stack gap={4}>
        <Text size="sm">
          {result.rowsChecked} rows checked; {result.breaks.length} break
          {result.breaks.length === 1 ? '' : 's'} found. {anchorsText(result.anchors)}
        </Text>
        {problem && (
          <Text size="sm">
            {result.anchors!.problems.length} anchor problem{result.anchors!.problems.length === 1 ? '' : 's'}
            ; first: line {problem.line}
            {problem.seq ? ` (row ${problem.seq})` : ''}: {problem.reason}
          </Text>
        )}
        {b && (
          <>
            <Text size="sm">
              Row {b.seq} (id <Code>{b.id}</Code>): {b.reason}
            </Text>
            <Text size="sm">
              Expected <Code>{b.expected}</Code>
            </Text>
            <Text size="sm">
              Found <Code>{b.found}</Code>
            </Text>
          </>
        )}
      </Stack>
    </Alert>
  );
}

/**
 * The audit log with its filters, paged by keyset (`afterSeq`) in either order, so that page 2,000 is as
 * quick as page 1 and rows written meanwhile neither repeat nor go missing; the CSV export is the same list URL
 * with `format=csv` (the session cookie goes with a same-origin download).
 */
export function AuditSection() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // The cursor of each page seen so far (the first page has none): Next pushes, Previous pops.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const afterSeq = cursors[cursors.length - 1];
  const offset = (cursors.length - 1) * PAGE_SIZE;
  const query = queryOf(filters);

  const audit = useQuery({
    queryKey: ['admin', 'audit', query, afterSeq],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/audit', {
          params: { query: { ...query, limit: PAGE_SIZE, ...(afterSeq ? { afterSeq } : {}) } },
        }),
      ),
  });
  const firstPage = () => setCursors([undefined]);
  const turn = (to: number) => {
    if (to > offset && audit.data?.nextAfterSeq) setCursors((c) => [...c, audit.data!.nextAfterSeq!]);
    else if (to < offset) setCursors((c) => c.slice(0, -1));
  };
  const verify = useMutation({ mutationFn: () => unwrap(api.GET('/api/v1/audit/verify')) });

  const csvHref = `/api/v1/audit?${new URLSearchParams({ ...query, format: 'csv' }).toString()}`;
  const set = (key: keyof Filters) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    firstPage();
  };

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={3}>Audit log</Title>
        <Group gap="xs">
          <Button variant="default" onClick={() => verify.mutate()} loading={verify.isPending}>
            Verify chain
          </Button>
          <Button component="a" href={csvHref} download="audit.csv" variant="default">
            Export CSV
          </Button>
        </Group>
      </Group>
      {verify.error && <ErrorNote error={verify.error} title="The chain could not be checked" />}
      {verify.data && <VerificationResult result={verify.data} />}
      <form onSubmit={apply} aria-label="Audit filters">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <TextInput
            label="Action"
            placeholder="e.g. alert.acknowledge"
            value={draft.action}
            onChange={(e) => set('action')(e.currentTarget.value)}
          />
          <TextInput
            label="Actor id"
            value={draft.actorId}
            onChange={(e) => set('actorId')(e.currentTarget.value)}
          />
          <TextInput
            label="Entity type"
            placeholder="e.g. alert"
            value={draft.entityType}
            onChange={(e) => set('entityType')(e.currentTarget.value)}
          />
          <TextInput
            label="Entity id"
            value={draft.entityId}
            onChange={(e) => set('entityId')(e.currentTarget.value)}
          />
          <TextInput
            label="Patient id"
            value={draft.patientId}
            onChange={(e) => set('patientId')(e.currentTarget.value)}
          />
          <Select
            label="Outcome"
            data={[
              { value: 'any', label: 'Any' },
              { value: 'success', label: 'Success' },
              { value: 'failure', label: 'Failure' },
              { value: 'denied', label: 'Denied' },
            ]}
            value={draft.outcome || 'any'}
            onChange={(v) => set('outcome')(v === 'any' || !v ? '' : v)}
            allowDeselect={false}
          />
          <TextInput
            label="From"
            type="datetime-local"
            value={draft.from}
            onChange={(e) => set('from')(e.currentTarget.value)}
          />
          <TextInput
            label="To"
            type="datetime-local"
            value={draft.to}
            onChange={(e) => set('to')(e.currentTarget.value)}
          />
          <Select
            label="Order"
            data={[
              { value: 'desc', label: 'Newest first' },
              { value: 'asc', label: 'Oldest first' },
            ]}
            value={draft.order}
            onChange={(v) => set('order')(v ?? 'desc')}
            allowDeselect={false}
          />
        </SimpleGrid>
        <Group mt="sm" gap="xs">
          <Button type="submit">Apply filters</Button>
          <Button
            variant="subtle"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
              firstPage();
            }}
          >
            Clear filters
          </Button>
        </Group>
      </form>
      {audit.isPending && <PageLoader />}
      {audit.error && <ErrorNote error={audit.error} />}
      {audit.data && (
        <>
          <AdminTable<AuditRow>
            label="Audit log"
            rows={audit.data.items}
            rowKey={(r) => r.id}
            empty="No audit rows match these filters."
            columns={[
              { header: 'Seq', cell: (r) => r.seq },
              { header: 'When', cell: (r) => formatDateTime(r.occurredAt) },
              { header: 'Actor', cell: (r) => r.actorLabel ?? r.actorId ?? r.actorType },
              { header: 'Action', cell: (r) => r.action },
              {
                header: 'Entity',
                cell: (r) => (r.entityType ? `${r.entityType} ${r.entityId ?? ''}`.trim() : '—'),
              },
              { header: 'Patient', cell: (r) => r.patientId ?? '—' },
              { header: 'Category', cell: (r) => r.dataCategory },
              { header: 'Outcome', cell: (r) => r.outcome },
            ]}
          />
          <Pager
            label="Audit log"
            offset={offset}
            limit={PAGE_SIZE}
            total={audit.data.total}
            onChange={turn}
          />
        </>
      )}
    </Stack>
  );
}
