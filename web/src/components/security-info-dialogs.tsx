import { Alert, Button, Code, CopyButton, Group, List, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useRegisterPasskey } from '../api/security-info.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';

/** The new recovery codes, shown once: the server keeps only hashes. */
export function RecoveryCodesModal({ codes, onClose }: { codes: string[] | undefined; onClose: () => void }) {
  const text = (codes ?? []).join('\n');
  return (
    <Modal opened={codes !== undefined} onClose={onClose} title="Your recovery codes" centered>
      <Stack>
        <Alert color="yellow" variant="light">
          Save these codes somewhere safe now: they are shown only this once. Each code works one time, when you cannot use your authenticator app or passkey. Any older codes no longer work.
        </Alert>
        <List aria-label="Recovery codes" listStyleType="none" spacing={2}>
          {(codes ?? []).map((code) => (
            <List.Item key={code}>
              <Code>{code}</Code>
            </List.Item>
          ))}
        </List>
        <Group justify="flex-end">
          <CopyButton value={text} timeout={2000}>
            {({ copied, copy }) => (
              <Button variant={copied ? 'filled' : 'default'} color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : 'Copy codes'}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>I have saved them</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Name a passkey, then let the browser (or security key) create it. */
export function PasskeyModal({ opened, onClose, onAdded }: { opened: boolean; onClose: () => void; onAdded: (name: string) => void }) {
  const register = useRegisterPasskey();
  const [name, setName] = useState('');
  const { reset } = register;
  useEffect(() => {
    if (!opened) return;
    setName('');
    reset();
  }, [opened, reset]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const displayName = name.trim() || 'Passkey';
    register.mutate(displayName, {
      onSuccess: () => {
        onAdded(displayName);
        onClose();
      },
    });
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Add a passkey" centered>
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">Your browser asks you to create a passkey on this device or a security key, and to confirm with your PIN, fingerprint or face.</Text>
          <TextInput label="Passkey name" description="To tell your passkeys apart (optional)." placeholder="Passkey" maxLength={256} value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <ErrorAlert error={register.error} title="The passkey was not added" />
          <FormActions submitLabel="Create passkey" busy={register.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
