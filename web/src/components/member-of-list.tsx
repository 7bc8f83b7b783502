import { Anchor, Badge, Button, Loader, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useUserMemberOf } from '../api/users.ts';
import { objectKind } from '../api/types.ts';
import { ErrorAlert } from './error-alert.tsx';
import { TableHead } from './table-head.tsx';

/** The groups (and roles) a user is a direct member of. */
export function MemberOfList({ userId }: { userId: string }) {
  const memberOf = useUserMemberOf(userId);
  const items = memberOf.data?.pages.flatMap((p) => p.value) ?? [];

  if (memberOf.isPending) return <Loader size="sm" aria-label="Loading group memberships" />;
  if (memberOf.isError) return <ErrorAlert error={memberOf.error} title="Could not load group memberships" />;
  if (items.length === 0) return <Text c="dimmed">Not a member of any group.</Text>;

  return (
    <>
      <Table aria-label="Member of">
        <TableHead columns={['Name', 'Type']} />
        <Table.Tbody>
          {items.map((item) => {
            const kind = objectKind(item);
            const name = item.displayName ?? item.id;
            return (
              <Table.Tr key={item.id}>
                <Table.Td>
                  {kind === 'group' ? (
                    <Anchor component={Link} to={`/groups/${encodeURIComponent(item.id)}`}>
                      {name}
                    </Anchor>
                  ) : (
                    name
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={kind === 'group' ? 'blue' : 'grape'}>
                    {kind === 'group' ? 'Group' : (item['@odata.type'] ?? 'Object').replace('#microsoft.graph.', '')}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {memberOf.hasNextPage && (
        <Button variant="subtle" size="xs" onClick={() => memberOf.fetchNextPage()} loading={memberOf.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </>
  );
}
