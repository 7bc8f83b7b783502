import { Button, Group, Stack, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useUpdateGroup } from '../api/groups.ts';
import type { Group as GroupResource, GroupPatch } from '../api/types.ts';
import { ErrorAlert } from './error-alert.tsx';

/** Changes whenever a saved editable field changes, for use as the form's `key`. */
export function groupFormKey(group: GroupResource): string {
  return JSON.stringify([group.displayName, group.description]);
}

/** Edits a group's name and description; sends only what changed. */
export function GroupEditForm({ group }: { group: GroupResource }) {
  const update = useUpdateGroup(group.id);
  const initialName = group.displayName ?? '';
  const initialDescription = group.description ?? '';
  const [displayName, setDisplayName] = useState(initialName);
  const [description, setDescription] = useState(initialDescription);

  const patch: GroupPatch = {};
  if (displayName.trim() !== initialName) patch.displayName = displayName.trim();
  if (description.trim() !== initialDescription) patch.description = description.trim() || null;
  const dirty = Object.keys(patch).length > 0;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) update.mutate(patch);
  };

  return (
    <form onSubmit={onSubmit} aria-label="Edit group">
      <Stack>
        <ErrorAlert error={update.error} title="Could not save the group" />
        <TextInput
          label="Display name"
          required
          value={displayName}
          onChange={(e) => setDisplayName(e.currentTarget.value)}
        />
        <Textarea
          label="Description"
          autosize
          minRows={2}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          <Button
            variant="default"
            disabled={!dirty || update.isPending}
            onClick={() => {
              setDisplayName(initialName);
              setDescription(initialDescription);
            }}
          >
            Discard changes
          </Button>
          <Button type="submit" disabled={!dirty} loading={update.isPending}>
            Save changes
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
