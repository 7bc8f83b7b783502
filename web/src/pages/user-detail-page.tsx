import { Anchor, Button, Center, Group, Loader, Paper, SimpleGrid, Stack, Switch, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, useNavigate, useParams } from 'react-router';
import { useDeleteUser, useUpdateUser, useUser } from '../api/users.ts';
import type { User } from '../api/types.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { Fact } from '../components/fact.tsx';
import { MemberOfList } from '../components/member-of-list.tsx';
import { AuthenticationMethodsPanel } from '../components/authentication-methods-panel.tsx';
import { DateTime, EnabledBadge, UserTypeBadge } from '../components/status-badges.tsx';
import { UserEditForm, userFormKey } from '../components/user-edit-form.tsx';

export function UserDetailPage() {
  const { id = '' } = useParams();
  const user = useUser(id);

  return (
    <Stack>
      <Anchor component={Link} to="/users" size="sm">
        ← Back to user list
      </Anchor>
      {user.isPending && (
        <Center>
          <Loader aria-label="Loading user" />
        </Center>
      )}
      <ErrorAlert error={user.error} title="Could not load the user" />
      {user.data && <UserDetail user={user.data} />}
    </Stack>
  );
}

function UserDetail({ user }: { user: User }) {
  const navigate = useNavigate();
  const update = useUpdateUser(user.id);
  const remove = useDeleteUser();
  const [confirmOpened, confirm] = useDisclosure(false);
  const name = user.displayName || user.userPrincipalName;

  return (
    <>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{name}</Title>
          <Text c="dimmed">{user.userPrincipalName}</Text>
        </div>
        <Group>
          <UserTypeBadge userType={user.userType} />
          <EnabledBadge enabled={user.accountEnabled} />
        </Group>
      </Group>

      <Paper withBorder p="md">
        <Stack>
          <Switch
            label="Account enabled"
            description="A disabled account cannot sign in."
            checked={user.accountEnabled !== false}
            disabled={update.isPending}
            onChange={(e) => update.mutate({ accountEnabled: e.currentTarget.checked })}
          />
          <ErrorAlert error={update.error} title="Could not change the account state" />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Fact label="Created">
              <DateTime value={user.createdDateTime} />
            </Fact>
            <Fact label="Creation type">{user.creationType ?? '—'}</Fact>
            <Fact label="External user state">{user.externalUserState ?? '—'}</Fact>
          </SimpleGrid>
        </Stack>
      </Paper>

      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="sm">
          Profile
        </Title>
        {/* Remount when the saved profile changes so the form starts from what the server holds. */}
        <UserEditForm key={userFormKey(user)} user={user} />
      </Paper>

      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="sm">
          Member of
        </Title>
        <MemberOfList userId={user.id} />
      </Paper>

      <AuthenticationMethodsPanel userId={user.id} userName={name} />

      <Group>
        <Button
          variant="default"
          component={Link}
          to={`/audit?target=${encodeURIComponent(user.id)}&targetName=${encodeURIComponent(name)}`}
        >
          View change history
        </Button>
        <Button color="red" variant="outline" onClick={confirm.open}>
          Delete user
        </Button>
      </Group>
      <ConfirmModal
        opened={confirmOpened}
        title="Delete user"
        message={`Delete ${name}? They lose access immediately.`}
        confirmLabel="Delete"
        busy={remove.isPending}
        error={remove.error}
        onClose={confirm.close}
        onConfirm={() => remove.mutate(user.id, { onSuccess: () => navigate('/users', { replace: true }) })}
      />
    </>
  );
}
