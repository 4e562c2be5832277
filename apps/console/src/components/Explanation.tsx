import { Alert, List, Stack, Table, Text } from '@mantine/core';
import { formatDateTime, formatValue } from '../format';

/** The parts of an alert explanation (libs/clinical AlertExplanation) the console reads. */
export interface ExplainedValueView {
  analyte?: string | null;
  value?: number | string | null;
  unit?: string | null;
  comparator?: string | null;
  observedAt?: string | null;
  range?: { low: number | null; high: number | null } | null;
  original?: { value: string | null; unit: string | null } | null;
  derivation?: string | null;
}

export interface ExplanationView {
  ruleId?: string;
  title?: string;
  summary?: string;
  action?: string;
  evidence?: string;
  values?: ExplainedValueView[];
  baseline?: ExplainedValueView | null;
  previous?: ExplainedValueView | null;
  daysSinceLastInfusion?: number | null;
  window?: string | null;
  windowNote?: string | null;
  notes?: string[];
  thresholds?: Record<string, number>;
  ruleSetVersion?: string;
  tier?: string | null;
}

const v = (x: ExplainedValueView | null | undefined) =>
  x
    ? `${formatValue(x.value, x.unit, x.comparator)}${x.observedAt ? ` (${formatDateTime(x.observedAt)})` : ''}`
    : '—';

function range(x: ExplainedValueView | undefined): string {
  if (!x?.range) return '—';
  const { low, high } = x.range;
  if (low !== null && high !== null) return `${low}–${high}${x.unit ? ` ${x.unit}` : ''}`;
  if (low !== null) return `≥ ${low}`;
  if (high !== null) return `≤ ${high}`;
  return '—';
}

/** Why the rule fired, in the clinician's terms: the value against its context, then what to do. */
export function Explanation({ explanation }: { explanation: ExplanationView }) {
  const value = explanation.values?.[0];
  const rows: Array<[string, string]> = [
    ['Value', v(value)],
    ...(value?.original?.value &&
    `${value.original.value} ${value.original.unit ?? ''}`.trim() !==
      formatValue(value.value, value.unit, value.comparator)
      ? ([['As sent', `${value.original.value} ${value.original.unit ?? ''}`.trim()]] as Array<
          [string, string]
        >)
      : []),
    ['Reference range', range(value)],
    ['Baseline', v(explanation.baseline)],
    ['Previous', v(explanation.previous)],
    [
      'Since last infusion',
      explanation.daysSinceLastInfusion === null || explanation.daysSinceLastInfusion === undefined
        ? '—'
        : `${explanation.daysSinceLastInfusion} days${explanation.window ? ` (window ${explanation.window})` : ''}`,
    ],
  ];
  return (
    <Stack gap="sm">
      <Table withRowBorders={false} verticalSpacing={4} aria-label="The result in context">
        <Table.Tbody>
          {rows.map(([label, text]) => (
            <Table.Tr key={label}>
              <Table.Th scope="row" w="40%" fw={500} c="dimmed">
                {label}
              </Table.Th>
              <Table.Td>{text}</Table.Td>
            </Table.Tr>
          ))}
          {(explanation.values ?? []).slice(1).map((x, i) => (
            <Table.Tr key={`more-${i}`}>
              <Table.Th scope="row" fw={500} c="dimmed">
                {x.analyte ?? 'Also'}
              </Table.Th>
              <Table.Td>{v(x)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {explanation.summary && <Text>{explanation.summary}</Text>}
      {explanation.action && (
        <Alert color="indigo" variant="light" title="What the rule asks">
          {explanation.action}
        </Alert>
      )}
      {(explanation.windowNote || (explanation.notes?.length ?? 0) > 0) && (
        <List size="sm" c="dimmed">
          {explanation.windowNote && <List.Item>{explanation.windowNote}</List.Item>}
          {explanation.notes?.map((n) => (
            <List.Item key={n}>{n}</List.Item>
          ))}
        </List>
      )}
      <Text size="xs" c="dimmed">
        Rule {explanation.ruleId}
        {explanation.tier ? ` (${explanation.tier})` : ''}
        {explanation.evidence ? ` ${explanation.evidence}` : ''}
        {explanation.ruleSetVersion ? ` · rule set ${explanation.ruleSetVersion}` : ''}
      </Text>
    </Stack>
  );
}
