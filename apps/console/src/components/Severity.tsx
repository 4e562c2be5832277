import { Badge } from '@mantine/core';

const COLOURS: Record<string, string> = { critical: 'red', warning: 'orange', info: 'blue' };

/** Severity in words and colour (never colour alone). */
export function SeverityBadge({ severity, emergency }: { severity: string; emergency?: boolean }) {
  return (
    <Badge color={COLOURS[severity] ?? 'gray'} variant={emergency ? 'filled' : 'light'} size="lg">
      {emergency ? `${severity} · emergency` : severity}
    </Badge>
  );
}

export function StateBadge({ state }: { state: string }) {
  const colour = state === 'open' ? 'red' : state === 'acknowledged' ? 'violet' : 'green';
  return (
    <Badge color={colour} variant="outline">
      {state}
    </Badge>
  );
}
