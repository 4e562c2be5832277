import { Badge, Code, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { SeverityBadge } from '../../components/Severity';
import { formatDateTime } from '../../format';
import { AdminTable, yesNo } from './AdminTable';

type RuleSet = Schemas['RuleSetListDto']['items'][number];
type Rule = RuleSet['rules'][number];
type Override = Schemas['RuleOverridePageDto']['items'][number];

const SITE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

function Thresholds({ rule }: { rule: Rule }) {
  const entries = Object.entries(rule.thresholds);
  if (entries.length === 0) return <>—</>;
  return (
    <Stack gap={0}>
      {entries.map(([name, value]) => (
        <Text key={name} size="xs">
          {name} = {value}
        </Text>
      ))}
    </Stack>
  );
}

function Tiers({ rule }: { rule: Rule }) {
  return (
    <Stack gap={4}>
      {rule.tiers.map((t) => (
        <Group key={t.id} gap={4} wrap="nowrap" align="start">
          <SeverityBadge severity={t.severity} emergency={t.emergency} />
          <Text size="xs">{t.summary}</Text>
        </Group>
      ))}
    </Stack>
  );
}

/** One shipped (or site-adjusted) rule set: every rule with its thresholds and severity ladder. */
function RuleSetView({ set }: { set: RuleSet }) {
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Title order={4}>{set.title}</Title>
        <Badge variant="default">{set.indication}</Badge>
        <Badge variant="default">{set.version}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {set.source}
        {set.site ? ` · site ${set.site.label} on ${set.site.baseVersion}` : ''}
      </Text>
      <AdminTable<Rule>
        label={`Rules of ${set.version}`}
        rows={set.rules}
        rowKey={(r) => r.id}
        columns={[
          { header: 'Rule', cell: (r) => r.id },
          { header: 'Title', cell: (r) => r.title },
          { header: 'Kind', cell: (r) => `${r.kind}${r.evaluation === 'not-lab' ? ' (not graded)' : ''}` },
          { header: 'Enabled', cell: (r) => yesNo(r.enabled) },
          { header: 'Site override', cell: (r) => yesNo(r.overridden) },
          { header: 'Applies in', cell: (r) => r.appliesIn ?? 'Always' },
          { header: 'Thresholds', cell: (r) => <Thresholds rule={r} /> },
          { header: 'Tiers', cell: (r) => <Tiers rule={r} /> },
        ]}
      />
    </Stack>
  );
}

/** The override versions of one site, newest last as the API lists them; the latest applies. */
function SiteOverrides({ siteId }: { siteId: string }) {
  const overrides = useQuery({
    queryKey: ['admin', 'rule-overrides', siteId],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/sites/{siteId}/rule-overrides', {
          params: { path: { siteId }, query: { limit: 200 } },
        }),
      ),
  });
  if (overrides.isPending) return <PageLoader />;
  if (overrides.error) return <ErrorNote error={overrides.error} />;
  return (
    <AdminTable<Override>
      label={`Rule overrides of site ${siteId}`}
      rows={overrides.data.items}
      rowKey={(o) => o.id}
      empty="This site runs the shipped rule sets unchanged."
      columns={[
        { header: 'Indication', cell: (o) => o.indication },
        { header: 'Version', cell: (o) => `${o.version} (${o.siteLabel})` },
        { header: 'Rule set', cell: (o) => o.ruleSetVersion },
        { header: 'Reason', cell: (o) => o.reason },
        { header: 'By', cell: (o) => o.createdBy ?? '—' },
        { header: 'When', cell: (o) => formatDateTime(o.createdAt) },
        {
          header: 'Overrides',
          cell: (o) => (
            <Code block aria-label={`Overrides of version ${o.version}`}>
              {JSON.stringify(o.overrides, null, 2)}
            </Code>
          ),
        },
      ]}
    />
  );
}

/**
 * The rule sets in force and each site's overrides (read-only). Admins pick a site from the list; the site
 * list is admin-only, so auditors type the site id.
 */
export function RuleSetsSection({ canListSites }: { canListSites: boolean }) {
  const [siteId, setSiteId] = useState<string>('');
  const ruleSets = useQuery({
    queryKey: ['admin', 'rule-sets'],
    queryFn: () => unwrap(api.GET('/api/v1/rule-sets')),
  });
  const sites = useQuery({
    queryKey: ['admin', 'sites'],
    queryFn: () => unwrap(api.GET('/api/v1/sites')),
    enabled: canListSites,
  });
  return (
    <Stack>
      <Title order={3}>Rule sets</Title>
      {ruleSets.isPending && <PageLoader />}
      {ruleSets.error && <ErrorNote error={ruleSets.error} />}
      {ruleSets.data?.items.map((s) => (
        <RuleSetView key={s.id} set={s} />
      ))}
      <Title order={3}>Site overrides</Title>
      {sites.error && <ErrorNote error={sites.error} />}
      {canListSites ? (
        <Select
          label="Site"
          placeholder="Choose a site"
          data={(sites.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }))}
          value={siteId || null}
          onChange={(v) => setSiteId(v ?? '')}
          maw={400}
        />
      ) : (
        <TextInput
          label="Site id"
          placeholder="e.g. brno"
          value={siteId}
          onChange={(e) => setSiteId(e.currentTarget.value.trim())}
          maw={400}
        />
      )}
      {SITE_ID.test(siteId) && <SiteOverrides key={siteId} siteId={siteId} />}
    </Stack>
  );
}
