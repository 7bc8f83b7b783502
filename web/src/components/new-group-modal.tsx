import { Modal, Stack, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useCreateGroup } from '../api/groups.ts';
import type { Group as GroupResource } from '../api/types.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';

interface NewGroupModalProps {
  opened: boolean;
  onClose: () => void;
  onCreated: (group: GroupResource) => void;
}

/** Graph requires a mail nickname even for security groups; derive one from the name unless typed. */
function nicknameFromName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64);
}

/** Creates a security group (not mail-enabled), the kind Gatehouse grants access through. */
export function NewGroupModal({ opened, onClose, onCreated }: NewGroupModalProps) {
  const create = useCreateGroup();
  const [displayName, setDisplayName] = useState('');
  const [nickname, setNickname] = useState<string | null>(null);
  const [description, setDescription] = useState('');
  const mailNickname = nickname ?? nicknameFromName(displayName);

  const reset = () => {
    setDisplayName('');
    setNickname(null);
    setDescription('');
    create.reset();
  };

  const close = () => {
    reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const trimmedDescription = description.trim();
    create.mutate(
      {
        displayName: displayName.trim(),
        mailNickname,
        mailEnabled: false,
        securityEnabled: true,
        ...(trimmedDescription ? { description: trimmedDescription } : {}),
      },
      {
        onSuccess: (group) => {
          reset();
          onCreated(group);
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={close} title="New group" centered>
      <form onSubmit={onSubmit} aria-label="New group">
        <Stack>
          <ErrorAlert error={create.error} title="Could not create the group" />
          <TextInput
            label="Display name"
            required
            data-autofocus
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
          />
          <TextInput
            label="Mail nickname"
            required
            value={mailNickname}
            onChange={(e) => setNickname(e.currentTarget.value)}
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
          />
          <FormActions submitLabel="Create group" busy={create.isPending} onCancel={close} />
        </Stack>
      </form>
    </Modal>
  );
}
