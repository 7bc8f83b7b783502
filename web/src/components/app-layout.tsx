import { AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { useSession, useSignOut } from '../api/session.ts';
import { EmergencyAccessBanner } from './emergency-access-banner.tsx';

const NAV_ITEMS = [
  { to: '/users', label: 'Users' },
  { to: '/groups', label: 'Groups' },
  { to: '/invitations', label: 'Invitations' },
  { to: '/partners', label: 'Partner organizations' },
  { to: '/identity-providers', label: 'Identity providers' },
  { to: '/external-collaboration', label: 'External collaboration' },
  { to: '/cross-tenant-access', label: 'Cross-tenant access' },
  { to: '/conditional-access', label: 'Conditional Access' },
  { to: '/named-locations', label: 'Named locations' },
  { to: '/what-if', label: 'What if' },
  { to: '/audit', label: 'Audit log' },
  { to: '/emergency-access', label: 'Emergency access' },
  { to: '/security-info', label: 'Security info' },
  { to: '/sign-ins', label: 'Sign-in log' },
] as const;

/** The signed-in frame: header with the user's name and Sign out, navigation on the left, page in the middle. */
export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const session = useSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const location = useLocation();

  const onSignOut = () => signOut.mutate(undefined, { onSettled: () => navigate('/signin', { replace: true }) });

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={4} component="span">
              Gatehouse
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" data-testid="signed-in-user" title={session.data?.user.userPrincipalName}>
              {session.data?.user.displayName}
            </Text>
            <Button variant="default" size="xs" onClick={onSignOut} loading={signOut.isPending}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation" component="nav">
        {NAV_ITEMS.map((item) => {
          const active = location.pathname === item.to || location.pathname.startsWith(`${item.to}/`);
          return (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              active={active}
              aria-current={active ? 'page' : undefined}
              onClick={close}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>
        <EmergencyAccessBanner />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
