import { Anchor, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { groupsFirstPageUrl, useGroupsPage } from '../api/groups.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { NewGroupModal } from '../components/new-group-modal.tsx';
import { Pager } from '../components/pager.tsx';
import { DateTime } from '../components/status-badges.tsx';
import { TableHead } from '../components/table-head.tsx';
import { usePageStack } from '../hooks/use-page-stack.ts';

const PAGE_SIZE = 25;

export function GroupsPage() {
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [term] = useDebouncedValue(search, 300);
  const pages = usePageStack(groupsFirstPageUrl(term, PAGE_SIZE));
  const groups = useGroupsPage(pages.url);
  const [modalOpened, modal] = useDisclosure(false);
  const rows = groups.data?.value ?? [];
  const pathOf = (id: string) => `/groups/${encodeURIComponent(id)}`;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Groups</Title>
        <Button onClick={modal.open}>New group</Button>
      </Group>
      <TextInput
        label="Search groups"
        placeholder="Name starts with…"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        rightSection={groups.isFetching ? <Loader size="xs" aria-label="Loading groups" /> : null}
      />
      <ErrorAlert error={groups.error} title="Could not load groups" />
      <Table.ScrollContainer minWidth={640}>
        <Table highlightOnHover aria-label="Groups">
          <TableHead columns={['Display name', 'Description', 'Mail nickname', 'Created']} />
          <Table.Tbody>
            {rows.map((group) => (
              <Table.Tr key={group.id} style={{ cursor: 'pointer' }} onClick={() => navigate(pathOf(group.id))}>
                <Table.Td>
                  <Anchor component={Link} to={pathOf(group.id)} onClick={(e) => e.stopPropagation()}>
                    {group.displayName || group.id}
                  </Anchor>
                </Table.Td>
                <Table.Td>{group.description ?? ''}</Table.Td>
                <Table.Td>{group.mailNickname ?? ''}</Table.Td>
                <Table.Td>
                  <DateTime value={group.createdDateTime} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {groups.isSuccess && rows.length === 0 && (
        <Text c="dimmed" ta="center">
          {term ? 'No groups match this search.' : 'No groups yet.'}
        </Text>
      )}
      <Pager
        pageIndex={pages.pageIndex}
        pageSize={PAGE_SIZE}
        shown={rows.length}
        total={groups.data?.['@odata.count']}
        hasPrevious={pages.hasPrevious}
        nextLink={groups.data?.['@odata.nextLink']}
        onPrevious={pages.previous}
        onNext={pages.next}
        busy={groups.isFetching}
      />
      <NewGroupModal
        opened={modalOpened}
        onClose={modal.close}
        onCreated={(group) => {
          modal.close();
          navigate(pathOf(group.id));
        }}
      />
    </Stack>
  );
}
