import { Anchor, Badge, Button, Center, Group, Loader, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, useNavigate, useParams } from 'react-router';
import { useDeleteGroup, useGroup } from '../api/groups.ts';
import type { Group as GroupResource } from '../api/types.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { GroupEditForm, groupFormKey } from '../components/group-edit-form.tsx';
import { GroupLinksPanel } from '../components/group-links-panel.tsx';
import { DateTime } from '../components/status-badges.tsx';

export function GroupDetailPage() {
  const { id = '' } = useParams();
  const group = useGroup(id);

  return (
    <Stack>
      <Anchor component={Link} to="/groups" size="sm">
        ← Back to group list
      </Anchor>
      {group.isPending && (
        <Center>
          <Loader aria-label="Loading group" />
        </Center>
      )}
      <ErrorAlert error={group.error} title="Could not load the group" />
      {group.data && <GroupDetail group={group.data} />}
    </Stack>
  );
}

function GroupDetail({ group }: { group: GroupResource }) {
  const navigate = useNavigate();
  const remove = useDeleteGroup();
  const [confirmOpened, confirm] = useDisclosure(false);
  const name = group.displayName || group.id;

  return (
    <>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{name}</Title>
          {group.description && <Text>{group.description}</Text>}
          <Text c="dimmed" size="sm">
            Created <DateTime value={group.createdDateTime} />
          </Text>
        </div>
        <Group gap="xs">
          {group.securityEnabled && <Badge variant="light">Security</Badge>}
          {group.mailEnabled && <Badge variant="light">Mail-enabled</Badge>}
          {(group.groupTypes ?? []).map((t) => (
            <Badge key={t} variant="light" color="gray">
              {t}
            </Badge>
          ))}
        </Group>
      </Group>

      {/* Only the active panel is mounted, so the two pickers never share the page. */}
      <Tabs defaultValue="members" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="members">Members</Tabs.Tab>
          <Tabs.Tab value="owners">Owners</Tabs.Tab>
          <Tabs.Tab value="settings">Settings</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="members" pt="md">
          <GroupLinksPanel groupId={group.id} link="members" />
        </Tabs.Panel>
        <Tabs.Panel value="owners" pt="md">
          <GroupLinksPanel groupId={group.id} link="owners" />
        </Tabs.Panel>
        <Tabs.Panel value="settings" pt="md">
          <Stack>
            <Paper withBorder p="md">
              <GroupEditForm key={groupFormKey(group)} group={group} />
            </Paper>
            <Group>
              <Button
                variant="default"
                component={Link}
                to={`/audit?target=${encodeURIComponent(group.id)}&targetName=${encodeURIComponent(name)}`}
              >
                View change history
              </Button>
              <Button color="red" variant="outline" onClick={confirm.open}>
                Delete group
              </Button>
            </Group>
          </Stack>
        </Tabs.Panel>
      </Tabs>

      <ConfirmModal
        opened={confirmOpened}
        title="Delete group"
        message={`Delete ${name}? Its members lose any access granted through it.`}
        confirmLabel="Delete"
        busy={remove.isPending}
        error={remove.error}
        onClose={confirm.close}
        onConfirm={() => remove.mutate(group.id, { onSuccess: () => navigate('/groups', { replace: true }) })}
      />
    </>
  );
}
