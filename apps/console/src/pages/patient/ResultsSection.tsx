import { Card, SegmentedControl, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDateTime, formatUnit, formatValue } from '../../format';
import { ANALYTE_GROUPS, type AnalyteChart, thresholdsOf } from './analyteGroups';

const TrendChart = lazy(() => import('../../components/TrendChart'));

type Result = Schemas['ResultPageDto']['items'][number];
type Rule = NonNullable<Schemas['EffectiveRuleSetDto']['ruleSet']>['rules'][number];

const PERIODS = [
  { value: '12', label: '1 year' },
  { value: '24', label: '2 years' },
  { value: '60', label: '5 years' },
];

/**
 * How many results the page asks for, all analytes at once (one request, one audited read): five years of
 * monthly monitoring of every watched test with room for repeats.
 */
const RESULT_LIMIT = 10_000;

/** Results a clinician should read: retracted and superseded ones and values that are not numbers are left out. */
function chartable(items: Result[]): (Result & { value: number })[] {
  return items
    .filter((r): r is Result & { value: number } => r.value !== null && !r.retractedAt && !r.supersededBy)
    .sort((a, b) => a.observedAt.localeCompare(b.observedAt));
}

function rangeText(r: Result): string {
  if (r.rangeLow === null && r.rangeHigh === null) return '—';
  return `${r.rangeLow ?? ''}–${r.rangeHigh ?? ''}`;
}

function ResultTable({ results, caption }: { results: (Result & { value: number })[]; caption: string }) {
  if (results.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No results of this test in the period.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={420} maxHeight={260}>
      <Table striped stickyHeader fz="sm" captionSide="top">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Observed</Table.Th>
            <Table.Th scope="col">Value</Table.Th>
            <Table.Th scope="col">Reference range</Table.Th>
            <Table.Th scope="col">Flags</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...results].reverse().map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>{formatDateTime(r.observedAt)}</Table.Td>
              <Table.Td>{formatValue(r.value, r.unit)}</Table.Td>
              <Table.Td>{rangeText(r)}</Table.Td>
              <Table.Td>
                {[
                  r.abnormalFlags,
                  r.reviewHold && !r.releasedAt ? 'held for review' : null,
                  r.status !== 'final' ? r.status : null,
                ]
                  .filter(Boolean)
                  .join(' · ') || '—'}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** One analyte: the chart and, on the other tab, the same numbers as a table (what a screen reader reads). */
function AnalyteCard({
  chart,
  months,
  results,
  from,
  to,
  rules,
  infusionDates,
}: {
  chart: AnalyteChart;
  months: number;
  results: Result[];
  from: number;
  to: number;
  rules: Rule[] | undefined;
  infusionDates: string[];
}) {
  const title = `${chart.name}, last ${PERIODS.find((p) => p.value === String(months))?.label ?? `${months} months`}`;
  const points = chartable(results);
  const latestWithRange = [...points].reverse().find((r) => r.rangeLow !== null || r.rangeHigh !== null);
  const unit = points.at(-1)?.unit ?? null;
  return (
    <Stack gap="xs">
      <Text fw={600}>
        {chart.name}
        {unit ? (
          <Text span c="dimmed" size="sm">
            {' '}
            ({formatUnit(unit)})
          </Text>
        ) : null}
      </Text>
      <Tabs defaultValue="chart" keepMounted={false}>
        <Tabs.List aria-label={`${chart.name}: chart or table`}>
          <Tabs.Tab value="chart">Chart</Tabs.Tab>
          <Tabs.Tab value="table">Table</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="chart" pt="xs">
          <Suspense fallback={<PageLoader />}>
            <TrendChart
              title={title}
              unit={unit}
              points={points.map((p) => ({ observedAt: p.observedAt, value: p.value }))}
              thresholds={thresholdsOf(chart, rules)}
              reference={
                latestWithRange ? { low: latestWithRange.rangeLow, high: latestWithRange.rangeHigh } : null
              }
              infusionDates={infusionDates}
              from={from}
              to={to}
              height={200}
            />
          </Suspense>
        </Tabs.Panel>
        <Tabs.Panel value="table" pt="xs">
          <ResultTable results={points} caption={title} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/**
 * Results over time, one card per analyte group the rules watch. Thresholds come from the site's effective
 * rule set (GET /sites/{siteId}/rule-sets/{indication}, which carries the site's overrides, rather than the
 * bare GET /rule-sets); when it cannot be read the charts are drawn without them.
 */
export function ResultsSection({
  patient,
  infusionDates,
}: {
  patient: Schemas['PatientDetailDto'];
  infusionDates: string[];
}) {
  const [months, setMonths] = useState('24');
  const ruleSet = useQuery({
    queryKey: ['rule-sets', patient.siteId, patient.indication],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/sites/{siteId}/rule-sets/{indication}', {
          params: { path: { siteId: patient.siteId, indication: patient.indication } },
        }),
      ),
    staleTime: 10 * 60_000,
  });
  const rules = ruleSet.data?.ruleSet?.rules;
  // The window is fixed per period so the query key stays stable between renders.
  const [now] = useState(() => Date.now());
  const from = now - Number(months) * 30.44 * 86_400_000;
  const results = useQuery({
    queryKey: ['patients', patient.id, 'results', months],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/patients/{id}/results', {
          params: {
            path: { id: patient.id },
            query: { from: new Date(from).toISOString(), limit: RESULT_LIMIT },
          },
        }),
      ),
  });
  const byAnalyte = new Map<string, Result[]>();
  for (const r of results.data?.items ?? []) {
    if (r.analyte) byAnalyte.set(r.analyte, [...(byAnalyte.get(r.analyte) ?? []), r]);
  }
  return (
    <Stack gap="sm" component="section" aria-labelledby="results-title">
      <Title order={3} size="h4" id="results-title">
        Results over time
      </Title>
      <Stack gap={4}>
        <Text size="sm" id="period-label">
          Period
        </Text>
        <SegmentedControl
          aria-labelledby="period-label"
          data={PERIODS}
          value={months}
          onChange={setMonths}
          w="fit-content"
        />
      </Stack>
      {ruleSet.error && (
        <Text size="sm" c="dimmed">
          The rule set could not be read, so the charts show no threshold lines.
        </Text>
      )}
      {ruleSet.data && (
        <Text size="xs" c="dimmed">
          Threshold lines from rule set {ruleSet.data.version}.
        </Text>
      )}
      {results.isPending && <PageLoader />}
      {results.error && <ErrorNote error={results.error} title="Results could not be loaded" />}
      {results.data && results.data.total > results.data.items.length && (
        <Text size="xs" c="orange.8">
          Showing {results.data.items.length} of {results.data.total} results in the period.
        </Text>
      )}
      {results.data && (
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          {ANALYTE_GROUPS.map((g) => (
            <Card withBorder padding="sm" key={g.id} component="section" aria-label={g.title}>
              <Title order={4} size="h5" mb="xs">
                {g.title}
              </Title>
              <Stack gap="md">
                {g.charts.map((c) => (
                  <AnalyteCard
                    key={c.analyte}
                    chart={c}
                    months={Number(months)}
                    results={byAnalyte.get(c.analyte) ?? []}
                    from={from}
                    to={now}
                    rules={rules}
                    infusionDates={infusionDates}
                  />
                ))}
              </Stack>
            </Card>
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}
