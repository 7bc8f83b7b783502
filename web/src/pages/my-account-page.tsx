import { Alert, Anchor, Badge, Button, Group, List, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useLeaveOrganization, useMyAccount } from '../api/my-account.ts';
import { useSignOut } from '../api/session.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';

const RELATIONSHIP: Record<string, string> = { guestOf: 'You are a guest here', memberOf: 'You are a member', home: 'Your organization' };

/** My Account: the organizations I belong to, how I sign in, and — for guests, when allowed — leaving. */
export function MyAccountPage() {
  const account = useMyAccount();
  const leave = useLeaveOrganization();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);

  if (account.isPending) return <AuthCard title="My account"><Text size="sm">Loading…</Text></AuthCard>;
  if (account.isError) return <AuthCard title="My account"><ErrorAlert error={account.error} title="Could not load your account" /></AuthCard>;
  const { user, organizations, signInMethods, canLeave } = account.data;
  const host = organizations.find((o) => o.relationship !== 'home');

  return (
    <AuthCard title="My account">
      <Stack gap="xs">
        <Text fw={600}>{user.displayName}</Text>
        <Text size="sm" c="dimmed">{user.mail ?? user.userPrincipalName}</Text>
      </Stack>
      <section aria-label="Organizations">
        <Title order={4}>Organizations</Title>
        <List size="sm" spacing={4} mt={4}>
          {organizations.map((o) => (
            <List.Item key={`${o.relationship}-${o.id}`}>
              {o.displayName} <Badge size="xs" variant="light">{RELATIONSHIP[o.relationship] ?? o.relationship}</Badge>
            </List.Item>
          ))}
        </List>
      </section>
      <section aria-label="Sign-in methods">
        <Title order={4}>How you sign in</Title>
        <List size="sm" spacing={4} mt={4}>
          {signInMethods.map((m) => (
            <List.Item key={`${m.type}-${m.detail ?? ''}`}>
              {m.displayName}
              {m.detail && m.type === 'emailOtp' ? ` (${m.detail})` : ''}
            </List.Item>
          ))}
        </List>
        <Anchor component={Link} to="/security-info" size="sm" mt={4} display="inline-block">
          Security info: authenticator apps, passkeys, recovery codes
        </Anchor>
      </section>
      <Group justify="space-between">
        <Button variant="default" onClick={() => signOut.mutate(undefined, { onSettled: () => navigate('/signin', { replace: true }) })}>
          Sign out
        </Button>
        {canLeave && (
          <Button color="red" variant="light" onClick={() => setConfirming(true)}>
            Leave organization
          </Button>
        )}
      </Group>
      {!canLeave && user.userType === 'Guest' && (
        <Alert color="gray" role="note">
          {host?.displayName ?? 'This organization'} does not let guests leave by themselves; ask your sponsor to remove your access.
        </Alert>
      )}
      <ConfirmModal
        opened={confirming}
        title={`Leave ${host?.displayName ?? 'the organization'}?`}
        message="Your guest account is deleted and your access ends now. To come back, you need a new invitation."
        confirmLabel="Leave organization"
        busy={leave.isPending}
        error={leave.error}
        onClose={() => setConfirming(false)}
        onConfirm={() => leave.mutate(undefined, { onSuccess: () => navigate('/signin', { replace: true, state: { notice: `You left ${host?.displayName ?? 'the organization'}. Your access has ended.` } }) })}
      />
    </AuthCard>
  );
}
