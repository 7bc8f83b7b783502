import { Anchor, Button, Group, Loader, Paper, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { useAddSponsor, useRemoveSponsor, useSponsors, type SponsorKind } from '../api/partners.ts';
import { DirectoryPicker, type PickedObject } from './directory-picker.tsx';
import { ErrorAlert } from './error-alert.tsx';
import { TableHead } from './table-head.tsx';

const TEXT: Record<SponsorKind, { title: string; description: string; noun: string }> = {
  internal: {
    title: 'Internal sponsors',
    description: 'People in this organization responsible for the partner; they must be members, not guests.',
    noun: 'internal sponsor',
  },
  external: {
    title: 'External sponsors',
    description: "The partner's own contacts, who must already be guests here.",
    noun: 'external sponsor',
  },
};

/**
 * One sponsor list of a partner organization, as a region named after it ("Internal sponsors"), so the two
 * panels' identical "Add sponsor" buttons can be told apart.
 */
export function SponsorsPanel({ orgId, kind }: { orgId: string; kind: SponsorKind }) {
  const text = TEXT[kind];
  const headingId = useId();
  const list = useSponsors(orgId, kind);
  const add = useAddSponsor(orgId, kind);
  const remove = useRemoveSponsor(orgId, kind);
  const [picked, setPicked] = useState<PickedObject | null>(null);
  // Bumped after an add so the picker starts empty again (its search text is internal state).
  const [pickerKey, setPickerKey] = useState(0);
  const sponsors = list.data?.value ?? [];
  const alreadyThere = picked !== null && sponsors.some((s) => s.id === picked.id);

  const onAdd = () => {
    if (!picked) return;
    remove.reset();
    add.mutate(picked.id, {
      onSuccess: () => {
        setPicked(null);
        setPickerKey((k) => k + 1);
      },
    });
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={headingId}>
      <Stack>
        <div>
          <Title order={3} size="h4" id={headingId}>
            {text.title}
          </Title>
          <Text size="sm" c="dimmed">
            {text.description}
          </Text>
        </div>
        <Group align="flex-end">
          <div style={{ flex: 1, minWidth: 220 }}>
            <DirectoryPicker
              key={pickerKey}
              label={`Search users to add as ${text.noun}`}
              placeholder="Start typing a name…"
              value={picked}
              onChange={(value) => {
                setPicked(value);
                add.reset();
              }}
            />
          </div>
          <Button onClick={onAdd} disabled={!picked || alreadyThere} loading={add.isPending}>
            Add sponsor
          </Button>
        </Group>
        {alreadyThere && (
          <Text size="sm" c="dimmed">
            {picked.label} is already an {text.noun}.
          </Text>
        )}
        <ErrorAlert error={add.error} title="Could not add the sponsor" />
        <ErrorAlert error={remove.error} title="Could not remove the sponsor" />
        <ErrorAlert error={list.error} title={`Could not load the ${text.noun}s`} />
        {list.isPending && <Loader size="sm" aria-label={`Loading ${text.noun}s`} />}
        {list.isSuccess && sponsors.length === 0 && <Text c="dimmed">No {text.noun}s yet.</Text>}
        {sponsors.length > 0 && (
          <Table aria-label={text.title}>
            <TableHead columns={['Name', 'User principal name', <VisuallyHidden>Actions</VisuallyHidden>]} />
            <Table.Tbody>
              {sponsors.map((user) => {
                const name = user.displayName ?? user.userPrincipalName;
                return (
                  <Table.Tr key={user.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/users/${encodeURIComponent(user.id)}`}>
                        {name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{user.userPrincipalName}</Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        aria-label={`Remove ${name} from ${text.title.toLowerCase()}`}
                        loading={remove.isPending && remove.variables === user.id}
                        onClick={() => {
                          add.reset();
                          remove.mutate(user.id);
                        }}
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}
