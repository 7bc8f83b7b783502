import { Badge, CloseButton, Group, Select, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../api/context.tsx';
import { useGroupSearch } from '../api/groups.ts';
import { seg } from '../api/odata.ts';
import { useUserSearch } from '../api/users.ts';

type Kind = 'user' | 'group';

/** The name of a user or group id, looked up once (the id itself while loading or when it no longer exists). */
function ObjectName({ kind, id }: { kind: Kind; id: string }) {
  const api = useApi();
  const found = useQuery({
    queryKey: ['conditionalAccess', 'objectName', kind, id],
    queryFn: ({ signal }) =>
      api.get<{ displayName?: string | null; userPrincipalName?: string }>(`/v1.0/${kind === 'user' ? 'users' : 'groups'}/${seg(id)}`, { signal }),
    retry: false,
    staleTime: 60_000,
  });
  const data = found.data;
  const name = data ? (data.userPrincipalName ? `${data.displayName ?? ''} (${data.userPrincipalName})` : data.displayName) : undefined;
  return <>{name ?? id}</>;
}

interface ObjectListProps {
  kind: Kind;
  label: string;
  ids: string[];
  onChange: (ids: string[]) => void;
}

/** A list of users or groups: chips for the chosen ones, a search box to add another. */
export function ObjectList({ kind, label, ids, onChange }: ObjectListProps) {
  const [search, setSearch] = useState('');
  const [term] = useDebouncedValue(search, 250);
  const users = useUserSearch(kind === 'user' ? term : '');
  const groups = useGroupSearch(term, kind === 'group');
  const found =
    kind === 'user'
      ? (users.data?.value ?? []).map((u) => ({ value: u.id, label: `${u.displayName ?? u.userPrincipalName} (${u.userPrincipalName})` }))
      : (groups.data?.value ?? []).map((g) => ({ value: g.id, label: g.displayName ?? g.id }));
  const options = found.filter((option) => !ids.includes(option.value));

  return (
    <Stack gap={4}>
      <Select
        label={label}
        placeholder={kind === 'user' ? 'Search users by name' : 'Search groups by name'}
        searchable
        clearable
        data={options}
        value={null}
        searchValue={search}
        onSearchChange={setSearch}
        filter={({ options: all }) => all}
        nothingFoundMessage={search.trim() ? 'No matches' : 'Type a name to search'}
        onChange={(value) => {
          if (value && !ids.includes(value)) onChange([...ids, value]);
          setSearch('');
        }}
      />
      {ids.length > 0 && (
        <Group gap={6}>
          {ids.map((id) => (
            <Badge
              key={id}
              variant="light"
              tt="none"
              rightSection={<CloseButton size="xs" aria-label={`Remove ${id}`} onClick={() => onChange(ids.filter((other) => other !== id))} />}
            >
              <ObjectName kind={kind} id={id} />
            </Badge>
          ))}
        </Group>
      )}
      {ids.length === 0 && (
        <Text size="xs" c="dimmed">
          None
        </Text>
      )}
    </Stack>
  );
}
