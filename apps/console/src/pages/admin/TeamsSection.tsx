import { Badge, Button, Checkbox, Code, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorNote } from '../../components/PageError';
import { PageLoader } from '../../components/PageLoader';
import { formatDateTime } from '../../format';
import { AdminTable, yesNo } from './AdminTable';

type Member = Schemas['CareTeamDto']['members'][number];
type Policy = Schemas['PolicyOverviewDto'];
type User = Schemas['UserListDto']['items'][number];
type ContactPoint = Schemas['ContactPointListDto']['items'][number];

/** The policy in force as it runs (with the fail-safe tier), and how many versions came before. */
function PolicyView({ title, policy }: { title: string; policy: Policy }) {
  return (
    <Stack gap={4}>
      <Title order={4}>{title}</Title>
      <Text size="sm">
        Version {policy.inForce.version} since {formatDateTime(policy.inForce.createdAt)}
        {policy.inForce.note ? ` · ${policy.inForce.note}` : ''} · {policy.versions.length} version
        {policy.versions.length === 1 ? '' : 's'} in all
      </Text>
      <Code block aria-label={`${title}: the policy as it runs`}>
        {JSON.stringify(policy.inForce.effective, null, 2)}
      </Code>
    </Stack>
  );
}

/** Who is on duty (the first tier); nobody ticked means the whole team is paged. */
function OnDuty({
  teamId,
  members,
  onDuty,
  canWrite,
}: {
  teamId: string;
  members: Member[];
  onDuty: string[];
  canWrite: boolean;
}) {
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<string[]>(onDuty);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/v1/care-teams/{id}/on-duty', {
          params: { path: { id: teamId } },
          body: { userIds: chosen },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin', 'team-policy', teamId] }),
  });
  const changed = [...chosen].sort().join() !== [...onDuty].sort().join();
  return (
    <Stack gap="xs">
      <Title order={4}>Members and who is on duty</Title>
      <Text size="sm" c="dimmed">
        {onDuty.length === 0
          ? 'Nobody is marked on duty: the whole team is paged first.'
          : `${onDuty.length} on duty: they are paged first.`}
      </Text>
      <AdminTable<Member>
        label="Team members"
        rows={members}
        rowKey={(m) => m.userId}
        empty="This team has no members."
        columns={[
          { header: 'Name', cell: (m) => m.displayName },
          { header: 'Email', cell: (m) => m.email },
          { header: 'Role in team', cell: (m) => m.role },
          { header: 'Active', cell: (m) => yesNo(m.active) },
          {
            header: 'On duty',
            cell: (m) => (
              <Checkbox
                aria-label={`${m.displayName} on duty`}
                checked={chosen.includes(m.userId)}
                disabled={!canWrite}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  setChosen((c) => (on ? [...c, m.userId] : c.filter((id) => id !== m.userId)));
                }}
              />
            ),
          },
        ]}
      />
      {canWrite && (
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!changed}>
            Save who is on duty
          </Button>
          {save.isSuccess && !changed && (
            <Text size="sm" role="status">
              Saved.
            </Text>
          )}
        </Group>
      )}
      {save.error && <ErrorNote error={save.error} title="Not saved" />}
    </Stack>
  );
}

function TeamDetail({ teamId, canWrite }: { teamId: string; canWrite: boolean }) {
  const team = useQuery({
    queryKey: ['admin', 'team', teamId],
    queryFn: () => unwrap(api.GET('/api/v1/care-teams/{id}', { params: { path: { id: teamId } } })),
  });
  const policy = useQuery({
    queryKey: ['admin', 'team-policy', teamId],
    queryFn: () =>
      unwrap(api.GET('/api/v1/care-teams/{id}/escalation-policy', { params: { path: { id: teamId } } })),
  });
  if (team.isPending || policy.isPending) return <PageLoader />;
  if (team.error) return <ErrorNote error={team.error} />;
  if (policy.error) return <ErrorNote error={policy.error} />;
  return (
    <Stack>
      <OnDuty
        key={policy.data.onDuty.join()}
        teamId={teamId}
        members={team.data.members}
        onDuty={policy.data.onDuty}
        canWrite={canWrite}
      />
      <PolicyView
        title={
          policy.data.inForce.careTeamId
            ? 'Escalation policy of this team'
            : 'Escalation policy (the default)'
        }
        policy={policy.data}
      />
    </Stack>
  );
}

/** A person's contact points: where alerts go, and whether the address was confirmed. */
function ContactPoints({ user }: { user: User }) {
  const points = useQuery({
    queryKey: ['admin', 'contact-points', user.id],
    queryFn: () =>
      unwrap(api.GET('/api/v1/users/{id}/contact-points', { params: { path: { id: user.id } } })),
  });
  if (points.isPending) return <PageLoader />;
  if (points.error) return <ErrorNote error={points.error} />;
  return (
    <AdminTable<ContactPoint>
      label={`Contact points of ${user.displayName}`}
      rows={points.data.items}
      rowKey={(p) => p.id}
      empty={`${user.displayName} has no contact points: alerts cannot reach them.`}
      columns={[
        { header: 'Channel', cell: (p) => (p.channel === 'sms' ? 'SMS' : 'Email') },
        { header: 'Address', cell: (p) => p.address },
        {
          header: 'Verified',
          cell: (p) => (p.verifiedAt ? `Yes, ${formatDateTime(p.verifiedAt)}` : 'Not yet'),
        },
      ]}
    />
  );
}

function Users() {
  const [userId, setUserId] = useState<string | null>(null);
  const users = useQuery({
    queryKey: ['admin', 'users'],
    queryFn: () => unwrap(api.GET('/api/v1/users')),
  });
  if (users.isPending) return <PageLoader />;
  if (users.error) return <ErrorNote error={users.error} />;
  const selected = users.data.items.find((u) => u.id === userId);
  return (
    <Stack gap="xs">
      <Title order={4}>Users</Title>
      <AdminTable<User>
        label="Users"
        rows={users.data.items}
        rowKey={(u) => u.id}
        columns={[
          { header: 'Name', cell: (u) => u.displayName },
          { header: 'Email', cell: (u) => u.email },
          {
            header: 'Roles',
            cell: (u) => (
              <Group gap={4}>
                {u.roles.map((r) => (
                  <Badge key={r} variant="default">
                    {r}
                  </Badge>
                ))}
              </Group>
            ),
          },
          { header: 'Active', cell: (u) => yesNo(u.active) },
          {
            header: 'Contact points',
            cell: (u) => (
              <Button
                size="xs"
                variant={u.id === userId ? 'light' : 'default'}
                aria-pressed={u.id === userId}
                onClick={() => setUserId(u.id === userId ? null : u.id)}
                aria-label={`Contact points of ${u.displayName}`}
              >
                {u.id === userId ? 'Hide' : 'Show'}
              </Button>
            ),
          },
        ]}
      />
      {selected && (
        <Stack gap={4}>
          <Title order={5}>Contact points of {selected.displayName}</Title>
          <ContactPoints user={selected} />
        </Stack>
      )}
    </Stack>
  );
}

/** Care teams, their members and on-duty list, escalation policies, and users with their contact points. */
export function TeamsSection({ canWrite }: { canWrite: boolean }) {
  const [teamId, setTeamId] = useState<string | null>(null);
  const teams = useQuery({
    queryKey: ['admin', 'teams'],
    queryFn: () => unwrap(api.GET('/api/v1/care-teams')),
  });
  const defaultPolicy = useQuery({
    queryKey: ['admin', 'default-policy'],
    queryFn: () => unwrap(api.GET('/api/v1/escalation-policies/default')),
  });
  return (
    <Stack>
      <Title order={3}>Care teams</Title>
      {teams.isPending && <PageLoader />}
      {teams.error && <ErrorNote error={teams.error} />}
      {teams.data && (
        <>
          <AdminTable
            label="Care teams"
            rows={teams.data.items}
            rowKey={(t) => t.id}
            empty="No care teams yet."
            columns={[
              { header: 'Team', cell: (t) => t.name },
              { header: 'Site', cell: (t) => t.siteId },
              { header: 'Members', cell: (t) => t.members.length },
              { header: 'Created', cell: (t) => formatDateTime(t.createdAt) },
            ]}
          />
          <Select
            label="Team to show"
            placeholder="Choose a team"
            data={teams.data.items.map((t) => ({ value: t.id, label: `${t.name} (${t.siteId})` }))}
            value={teamId}
            onChange={setTeamId}
            maw={400}
          />
        </>
      )}
      {teamId && <TeamDetail key={teamId} teamId={teamId} canWrite={canWrite} />}
      {defaultPolicy.error && <ErrorNote error={defaultPolicy.error} />}
      {defaultPolicy.data && (
        <PolicyView title="Default escalation policy (teams without their own)" policy={defaultPolicy.data} />
      )}
      <Users />
    </Stack>
  );
}
