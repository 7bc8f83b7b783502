import { Modal, PasswordInput, Stack, Switch, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useCreateUser } from '../api/users.ts';
import type { User } from '../api/types.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';

interface NewUserModalProps {
  opened: boolean;
  onClose: () => void;
  onCreated: (user: User) => void;
}

/** The mail nickname Graph requires; derived from the UPN's local part unless the admin typed one. */
function nicknameFromUpn(upn: string): string {
  return (upn.split('@')[0] ?? '').replace(/[^A-Za-z0-9._-]/g, '');
}

export function NewUserModal({ opened, onClose, onCreated }: NewUserModalProps) {
  const create = useCreateUser();
  const [displayName, setDisplayName] = useState('');
  const [upn, setUpn] = useState('');
  const [nickname, setNickname] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [forceChange, setForceChange] = useState(true);
  const [enabled, setEnabled] = useState(true);

  const mailNickname = nickname ?? nicknameFromUpn(upn);

  const reset = () => {
    setDisplayName('');
    setUpn('');
    setNickname(null);
    setPassword('');
    setForceChange(true);
    setEnabled(true);
    create.reset();
  };

  const close = () => {
    reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      {
        accountEnabled: enabled,
        displayName: displayName.trim(),
        mailNickname,
        userPrincipalName: upn.trim(),
        passwordProfile: { password, forceChangePasswordNextSignIn: forceChange },
      },
      {
        onSuccess: (user) => {
          reset();
          onCreated(user);
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={close} title="New user" centered>
      <form onSubmit={onSubmit} aria-label="New user">
        <Stack>
          <ErrorAlert error={create.error} title="Could not create the user" />
          <TextInput
            label="Display name"
            required
            data-autofocus
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
          />
          <TextInput
            label="User principal name"
            description="Sign-in name, e.g. alice@contoso.com"
            required
            value={upn}
            onChange={(e) => setUpn(e.currentTarget.value)}
          />
          <TextInput
            label="Mail nickname"
            required
            value={mailNickname}
            onChange={(e) => setNickname(e.currentTarget.value)}
          />
          <PasswordInput
            label="Initial password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Switch
            label="Require password change at next sign-in"
            checked={forceChange}
            onChange={(e) => setForceChange(e.currentTarget.checked)}
          />
          <Switch label="Account enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <FormActions submitLabel="Create user" busy={create.isPending} onCancel={close} />
        </Stack>
      </form>
    </Modal>
  );
}
