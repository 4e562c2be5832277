import { Stack, Tabs, Text, Title } from '@mantine/core';
import { type ReactNode } from 'react';
import { Navigate, useNavigate, useParams } from 'react-router';
import { type Me, hasRole, useMe } from '../../session/session';
import { AuditSection } from './AuditSection';
import { DeadLettersSection } from './DeadLettersSection';
import { FailedDeliveriesSection } from './FailedDeliveriesSection';
import { FeedsSection } from './FeedsSection';
import { RuleSetsSection } from './RuleSetsSection';
import { SendersSection } from './SendersSection';
import { TeamsSection } from './TeamsSection';

interface Section {
  id: string;
  label: string;
  /** Mirrors the `x-roles` of the section's list endpoint; the API decides anyway. */
  visible: (me: Me) => boolean;
  render: (canWrite: boolean) => ReactNode;
}

const adminOrAuditor = (me: Me) => hasRole(me, 'admin', 'auditor');
const adminOnly = (me: Me) => hasRole(me, 'admin');

const SECTIONS: Section[] = [
  { id: 'audit', label: 'Audit log', visible: adminOrAuditor, render: () => <AuditSection /> },
  {
    id: 'dead-letters',
    label: 'Dead letters',
    visible: adminOnly,
    render: (w) => <DeadLettersSection canWrite={w} />,
  },
  {
    id: 'failed-deliveries',
    label: 'Failed deliveries',
    visible: adminOrAuditor,
    render: (w) => <FailedDeliveriesSection canWrite={w} />,
  },
  { id: 'feeds', label: 'Feeds', visible: adminOrAuditor, render: (w) => <FeedsSection canWrite={w} /> },
  { id: 'teams', label: 'Teams', visible: adminOnly, render: (w) => <TeamsSection canWrite={w} /> },
  {
    id: 'rule-sets',
    label: 'Rule sets',
    visible: adminOrAuditor,
    render: (w) => <RuleSetsSection canListSites={w} />,
  },
  {
    id: 'senders',
    label: 'Senders and keys',
    visible: adminOnly,
    render: (w) => <SendersSection canWrite={w} />,
  },
];

/**
 * The admin console, one section per tab at `/admin/<section>`. Sections a role cannot use are not shown and
 * auditors get no write buttons; the API is the authority and refuses anyway.
 */
export default function AdminPage() {
  const { section } = useParams();
  const navigate = useNavigate();
  const me = useMe();
  const visible = SECTIONS.filter((s) => s.visible(me));
  const current = visible.find((s) => s.id === section);
  const canWrite = hasRole(me, 'admin');

  if (visible.length === 0)
    return (
      <Stack>
        <Title order={2}>Admin</Title>
        <Text>Your role has no admin sections.</Text>
      </Stack>
    );
  if (!current) return <Navigate to={`/admin/${visible[0]!.id}`} replace />;

  return (
    <Stack>
      <Title order={2}>Admin</Title>
      <Tabs value={current.id} onChange={(v) => v && navigate(`/admin/${v}`)} keepMounted={false}>
        <Tabs.List aria-label="Admin sections">
          {visible.map((s) => (
            <Tabs.Tab key={s.id} value={s.id}>
              {s.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {visible.map((s) => (
          <Tabs.Panel key={s.id} value={s.id} pt="md">
            {s.id === current.id ? s.render(canWrite) : null}
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
