import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useAddGroupLink, useGroupLinks, useRemoveGroupLink, type GroupLink } from '../api/groups.ts';
import { objectKind, type DirectoryObject } from '../api/types.ts';
import { DirectoryPicker, type PickedObject } from './directory-picker.tsx';
import { ErrorAlert } from './error-alert.tsx';
import { TableHead } from './table-head.tsx';

const NOUN: Record<GroupLink, string> = { members: 'member', owners: 'owner' };

/** Lists a group's members or owners, with "add by searching users" and per-row removal. */
export function GroupLinksPanel({ groupId, link }: { groupId: string; link: GroupLink }) {
  const noun = NOUN[link];
  const list = useGroupLinks(groupId, link);
  const add = useAddGroupLink(groupId, link);
  const remove = useRemoveGroupLink(groupId, link);
  const [picked, setPicked] = useState<PickedObject | null>(null);
  // Bumped after an add so the picker starts empty again (its search text is internal state).
  const [pickerKey, setPickerKey] = useState(0);
  const items = list.data?.pages.flatMap((p) => p.value) ?? [];
  const alreadyThere = picked !== null && items.some((i) => i.id === picked.id);

  const onAdd = () => {
    if (!picked) return;
    add.mutate(picked.id, {
      onSuccess: () => {
        setPicked(null);
        setPickerKey((k) => k + 1);
      },
    });
  };

  return (
    <Stack>
      <Group align="flex-end">
        <div style={{ flex: 1, minWidth: 240 }}>
          <DirectoryPicker
            key={pickerKey}
            label={`Search users to add as ${noun}`}
            placeholder="Start typing a name…"
            value={picked}
            onChange={setPicked}
          />
        </div>
        <Button onClick={onAdd} disabled={!picked || alreadyThere} loading={add.isPending}>
          {`Add ${noun}`}
        </Button>
      </Group>
      {alreadyThere && (
        <Text size="sm" c="dimmed">
          {picked.label} is already {link === 'members' ? 'a member' : 'an owner'}.
        </Text>
      )}
      <ErrorAlert error={add.error} title={`Could not add the ${noun}`} />
      <ErrorAlert error={remove.error} title={`Could not remove the ${noun}`} />
      <ErrorAlert error={list.error} title={`Could not load ${link}`} />
      {list.isPending && <Loader size="sm" aria-label={`Loading ${link}`} />}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">No {link} yet.</Text>}
      {items.length > 0 && (
        <Table aria-label={link === 'members' ? 'Members' : 'Owners'}>
          <TableHead columns={['Name', 'User principal name', 'Type', <VisuallyHidden>Actions</VisuallyHidden>]} />
          <Table.Tbody>
            {items.map((item) => (
              <LinkRow
                key={item.id}
                item={item}
                removing={remove.isPending && remove.variables === item.id}
                onRemove={() => remove.mutate(item.id)}
                removeLabel={`Remove ${item.displayName ?? item.id} from ${link}`}
              />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {list.hasNextPage && (
        <Button variant="subtle" size="xs" onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </Stack>
  );
}

interface LinkRowProps {
  item: DirectoryObject;
  removing: boolean;
  removeLabel: string;
  onRemove: () => void;
}

function LinkRow({ item, removing, removeLabel, onRemove }: LinkRowProps) {
  const kind = objectKind(item);
  const name = item.displayName ?? item.id;
  const path = kind === 'group' ? `/groups/${encodeURIComponent(item.id)}` : `/users/${encodeURIComponent(item.id)}`;
  return (
    <Table.Tr>
      <Table.Td>
        {kind === 'other' ? (
          name
        ) : (
          <Anchor component={Link} to={path}>
            {name}
          </Anchor>
        )}
      </Table.Td>
      <Table.Td>{item.userPrincipalName ?? ''}</Table.Td>
      <Table.Td>
        <Badge variant="light" color={kind === 'group' ? 'blue' : 'gray'}>
          {kind === 'group' ? 'Group' : kind === 'user' ? 'User' : 'Object'}
        </Badge>
      </Table.Td>
      <Table.Td ta="right">
        <Button size="xs" variant="subtle" color="red" aria-label={removeLabel} loading={removing} onClick={onRemove}>
          Remove
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}
