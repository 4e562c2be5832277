import { Text } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface BarSeries {
  key: string;
  label: string;
  colour: string;
}

export interface BarFigureProps {
  /** Accessible name of the chart: what it shows. */
  title: string;
  data: Record<string, string | number>[];
  /** The field naming each bar's category (a test, a feed, a severity). */
  categoryKey: string;
  series: BarSeries[];
  /** What the numbers count or measure (“alerts”, “minutes”), for the caption. */
  unit: string;
  height?: number;
}

/**
 * A bar chart for the overview, loaded on demand so Recharts stays out of the first page. The same numbers are
 * always in a table beside it; the caption names each series in words, so no bar is told apart by colour only.
 */
export default function BarFigure({ title, data, categoryKey, series, unit, height = 220 }: BarFigureProps) {
  if (data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Nothing to show.
      </Text>
    );
  return (
    <figure style={{ margin: 0 }} aria-label={title}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" stroke="#dee2e6" />
          <XAxis dataKey={categoryKey} tick={{ fontSize: 11 }} interval={0} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={44} />
          <Tooltip />
          {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
          {series.map((s, i) => (
            <Bar
              key={s.key}
              dataKey={s.key}
              name={s.label}
              fill={s.colour}
              isAnimationActive={false}
              // A pattern of stacks is hard to read; a second series stands beside the first, outlined.
              stroke={i > 0 ? '#212529' : undefined}
              label={{ position: 'top', fontSize: 10 }}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <figcaption style={{ fontSize: 12, color: '#495057' }}>
        {title}, in {unit}
        {series.length > 1 ? `; bars left to right: ${series.map((s) => s.label).join(', ')}` : ''}.
      </figcaption>
    </figure>
  );
}
