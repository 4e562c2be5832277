import { Text } from '@mantine/core';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatDate, formatDateTime, formatUnit, formatValue } from '../format';

export interface TrendPoint {
  observedAt: string;
  value: number;
  comparator?: string | null;
}

export interface TrendChartProps {
  /** Accessible name of the chart: what it shows. */
  title: string;
  unit: string | null;
  points: TrendPoint[];
  /** Rule thresholds drawn as dashed lines, labelled with the tier's name. */
  thresholds?: Record<string, number>;
  /** The reference range, drawn as a band. */
  reference?: { low: number | null; high: number | null } | null;
  /** Infusion days (YYYY-MM-DD), drawn as vertical lines. */
  infusionDates?: string[];
  /** Where the time axis starts (ms); the data's first point when absent. */
  from?: number;
  to?: number;
  height?: number;
  /** The point the page is about (the alert's value), drawn larger. */
  highlight?: string | null;
}

const dayMs = 86_400_000;

/**
 * One analyte over time, with the rule's thresholds, the reference band and the infusion days. Drawn with
 * Recharts (SVG, so it scales on a phone and prints); the same data is always in a table beside it.
 */
export default function TrendChart({
  title,
  unit,
  points,
  thresholds = {},
  reference,
  infusionDates = [],
  from,
  to,
  height = 220,
  highlight,
}: TrendChartProps) {
  const data = points.map((p) => ({ t: new Date(p.observedAt).getTime(), value: p.value, p }));
  const times = data.map((d) => d.t);
  const start = from ?? (times.length > 0 ? Math.min(...times) - dayMs : Date.now() - 365 * dayMs);
  const end = to ?? (times.length > 0 ? Math.max(...times) + dayMs : Date.now());
  const infusions = infusionDates
    .map((d) => new Date(`${d}T12:00:00`).getTime())
    .filter((t) => t >= start && t <= end);
  const values = [
    ...data.map((d) => d.value),
    ...Object.values(thresholds),
    ...(reference?.low !== null && reference?.low !== undefined ? [reference.low] : []),
    ...(reference?.high !== null && reference?.high !== undefined ? [reference.high] : []),
  ];
  const max = values.length > 0 ? Math.max(...values) : 1;
  const min = values.length > 0 ? Math.min(0, ...values) : 0;

  if (data.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No results of this test in the period.
      </Text>
    );
  }
  return (
    <figure style={{ margin: 0 }} aria-label={title}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" stroke="#dee2e6" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[start, end]}
            tickFormatter={(t: number) => formatDate(new Date(t).toISOString())}
            tick={{ fontSize: 11 }}
            minTickGap={24}
          />
          <YAxis domain={[min, Math.ceil(max * 1.1)]} tick={{ fontSize: 11 }} width={44} />
          {reference && (reference.low !== null || reference.high !== null) && (
            <ReferenceArea
              y1={reference.low ?? min}
              y2={reference.high ?? Math.ceil(max * 1.1)}
              fill="#40c057"
              fillOpacity={0.08}
              ifOverflow="extendDomain"
            />
          )}
          {Object.entries(thresholds).map(([name, value]) => (
            <ReferenceLine
              key={name}
              y={value}
              stroke="#e03131"
              strokeDasharray="6 3"
              label={{ value: `${name} ${value}`, position: 'insideTopRight', fontSize: 10, fill: '#c92a2a' }}
            />
          ))}
          {infusions.map((t) => (
            <ReferenceLine
              key={t}
              x={t}
              stroke="#7048e8"
              label={{ value: 'infusion', position: 'insideTopLeft', fontSize: 10, fill: '#5f3dc4' }}
            />
          ))}
          <Tooltip
            labelFormatter={(t) => formatDateTime(new Date(Number(t)).toISOString())}
            formatter={(value, _name, item) => [
              formatValue(value as number, unit, (item.payload as { p: TrendPoint }).p.comparator),
              'value',
            ]}
          />
          <Line
            type="monotone"
            dataKey="value"
            stroke="#364fc7"
            strokeWidth={2}
            isAnimationActive={false}
            dot={(props: { cx?: number; cy?: number; payload?: { p: TrendPoint }; index?: number }) => (
              <circle
                key={props.index}
                cx={props.cx}
                cy={props.cy}
                r={props.payload?.p.observedAt === highlight ? 6 : 3}
                fill={props.payload?.p.observedAt === highlight ? '#e03131' : '#364fc7'}
              />
            )}
          />
        </LineChart>
      </ResponsiveContainer>
      <figcaption style={{ fontSize: 12, color: '#495057' }}>
        {title}
        {unit ? ` (${formatUnit(unit)})` : ''}. Dashed red: the rule’s thresholds; purple: infusion days
        {reference ? '; green band: reference range' : ''}.
      </figcaption>
    </figure>
  );
}
