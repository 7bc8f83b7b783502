import { Anchor, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { usersFirstPageUrl, useUsersPage } from '../api/users.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { NewUserModal } from '../components/new-user-modal.tsx';
import { Pager } from '../components/pager.tsx';
import { EnabledBadge, UserTypeBadge } from '../components/status-badges.tsx';
import { TableHead } from '../components/table-head.tsx';
import { usePageStack } from '../hooks/use-page-stack.ts';

const PAGE_SIZE = 25;

export function UsersPage() {
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [term] = useDebouncedValue(search, 300);
  const pages = usePageStack(usersFirstPageUrl(term, PAGE_SIZE));
  const users = useUsersPage(pages.url);
  const [modalOpened, modal] = useDisclosure(false);
  const rows = users.data?.value ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Users</Title>
        <Button onClick={modal.open}>New user</Button>
      </Group>
      <TextInput
        label="Search users"
        placeholder="Name, user principal name or mail starts with…"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        rightSection={users.isFetching ? <Loader size="xs" aria-label="Loading users" /> : null}
      />
      <ErrorAlert error={users.error} title="Could not load users" />
      <Table.ScrollContainer minWidth={720}>
        <Table highlightOnHover aria-label="Users">
          <TableHead columns={['Display name', 'User principal name', 'Mail', 'Type', 'Status', 'Company']} />
          <Table.Tbody>
            {rows.map((user) => (
              <Table.Tr key={user.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/users/${encodeURIComponent(user.id)}`)}>
                <Table.Td>
                  <Anchor component={Link} to={`/users/${encodeURIComponent(user.id)}`} onClick={(e) => e.stopPropagation()}>
                    {user.displayName || user.userPrincipalName}
                  </Anchor>
                </Table.Td>
                <Table.Td>{user.userPrincipalName}</Table.Td>
                <Table.Td>{user.mail ?? ''}</Table.Td>
                <Table.Td>
                  <UserTypeBadge userType={user.userType} />
                </Table.Td>
                <Table.Td>
                  <EnabledBadge enabled={user.accountEnabled} />
                </Table.Td>
                <Table.Td>{user.companyName ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {users.isSuccess && rows.length === 0 && (
        <Text c="dimmed" ta="center">
          {term ? 'No users match this search.' : 'No users yet.'}
        </Text>
      )}
      <Pager
        pageIndex={pages.pageIndex}
        pageSize={PAGE_SIZE}
        shown={rows.length}
        total={users.data?.['@odata.count']}
        hasPrevious={pages.hasPrevious}
        nextLink={users.data?.['@odata.nextLink']}
        onPrevious={pages.previous}
        onNext={pages.next}
        busy={users.isFetching}
      />
      <NewUserModal
        opened={modalOpened}
        onClose={modal.close}
        onCreated={(user) => {
          modal.close();
          navigate(`/users/${encodeURIComponent(user.id)}`);
        }}
      />
    </Stack>
  );
}
