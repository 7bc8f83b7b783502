import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useGroupSearch } from '../api/groups.ts';
import { useUserSearch } from '../api/users.ts';

/** A directory object chosen in a picker. */
export interface PickedObject {
  id: string;
  label: string;
}

interface DirectoryPickerProps {
  label: string;
  placeholder?: string;
  /** Which object types to search; users always, groups when asked. */
  includeGroups?: boolean;
  /** Accept a pasted object id that matches no search result. */
  allowRawId?: boolean;
  value: PickedObject | null;
  onChange: (value: PickedObject | null) => void;
  disabled?: boolean;
}

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Searchable select over users (and optionally groups), filtered by the server with `startsWith` on each
 * keystroke (debounced). Options are labelled "Display name (upn)" so people with the same name can be told apart.
 */
export function DirectoryPicker(props: DirectoryPickerProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  // Once an option is chosen the search box shows its label; that is not a new search.
  const term = props.value && debounced === props.value.label ? '' : debounced;
  const users = useUserSearch(term);
  const groups = useGroupSearch(term, props.includeGroups ?? false);

  const options = new Map<string, PickedObject>();
  if (props.value) options.set(props.value.id, props.value);
  for (const u of users.data?.value ?? []) {
    const name = u.displayName ?? u.userPrincipalName;
    options.set(u.id, { id: u.id, label: `${name} (${u.userPrincipalName})` });
  }
  if (props.includeGroups) {
    for (const g of groups.data?.value ?? []) options.set(g.id, { id: g.id, label: `${g.displayName ?? g.id} (group)` });
  }
  const trimmed = search.trim();
  if (props.allowRawId && ID_PATTERN.test(trimmed) && !options.has(trimmed)) {
    options.set(trimmed, { id: trimmed, label: trimmed });
  }

  const loading = users.isFetching || groups.isFetching;
  const nothingFound = !trimmed ? 'Type a name to search' : loading ? 'Searching…' : 'No matches';

  return (
    <Select
      label={props.label}
      placeholder={props.placeholder}
      searchable
      clearable
      disabled={props.disabled ?? false}
      data={[...options.values()].map((o) => ({ value: o.id, label: o.label }))}
      // The server already filtered by prefix; filtering again on the label would hide UPN and mail matches.
      filter={({ options: all }) => all}
      searchValue={search}
      onSearchChange={setSearch}
      value={props.value?.id ?? null}
      onChange={(id) => props.onChange(id ? (options.get(id) ?? null) : null)}
      nothingFoundMessage={nothingFound}
    />
  );
}
