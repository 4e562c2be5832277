import {
  AppShell,
  Burger,
  Button,
  Group,
  NavLink as MantineNavLink,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { hasRole, useMe } from '../session/session';

interface NavItem {
  to: string;
  label: string;
  visible: boolean;
}

/** The signed-in frame: where one is, who one is, and sign-out; a drawer on a phone. */
export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [opened, { toggle, close }] = useDisclosure(false);
  const signOut = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/auth/logout')),
    onSettled: () => {
      queryClient.clear();
      navigate('/sign-in', { replace: true });
    },
  });
  const items: NavItem[] = [
    { to: '/', label: 'Inbox', visible: true },
    { to: '/overview', label: 'Overview', visible: hasRole(me, 'admin', 'auditor') },
    { to: '/admin/audit', label: 'Admin', visible: hasRole(me, 'admin', 'auditor') },
  ];
  const active = (to: string) =>
    to === '/' ? location.pathname === '/' : location.pathname.startsWith(to.replace(/\/audit$/, ''));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Title order={1} size="h4">
              <Link to="/" style={{ color: 'inherit', textDecoration: 'none' }}>
                Alemtuzumab safety alerts
              </Link>
            </Title>
          </Group>
          <Text size="sm" c="dimmed" visibleFrom="sm" truncate>
            {me.label}
          </Text>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        <Stack gap={4} justify="space-between" h="100%">
          <Stack gap={4}>
            {items
              .filter((i) => i.visible)
              .map((i) => (
                <MantineNavLink
                  key={i.to}
                  component={Link}
                  to={i.to}
                  label={i.label}
                  active={active(i.to)}
                  onClick={close}
                />
              ))}
          </Stack>
          <Stack gap={4}>
            <Text size="xs" c="dimmed" hiddenFrom="sm" truncate>
              {me.label}
            </Text>
            <Text size="xs" c="dimmed">
              {me.roles.join(', ')}
            </Text>
            <Button variant="light" onClick={() => signOut.mutate()} loading={signOut.isPending}>
              Sign out
            </Button>
          </Stack>
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
