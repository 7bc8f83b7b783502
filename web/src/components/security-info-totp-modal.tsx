import { Button, Code, CopyButton, Group, Loader, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useBeginTotpEnrolment, useFinishTotpEnrolment } from '../api/security-info.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';
import { TotpCodeInput, TotpQrCode } from './totp-enrolment-fields.tsx';

/**
 * Add an authenticator app: a new secret is made when the dialog opens (QR code, or the key typed by hand), and the
 * app is registered once it shows a right code. Closing abandons the enrolment (it expires on the server).
 */
export function TotpEnrolmentModal({ opened, onClose, onAdded }: { opened: boolean; onClose: () => void; onAdded: (name: string) => void }) {
  const begin = useBeginTotpEnrolment();
  const finish = useFinishTotpEnrolment();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const { mutate: start, reset: resetBegin } = begin;
  const { reset: resetFinish } = finish;

  useEffect(() => {
    if (!opened) return;
    setCode('');
    setName('');
    resetFinish();
    start();
    return () => resetBegin();
  }, [opened, start, resetBegin, resetFinish]);

  const enrolment = begin.data;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!enrolment) return;
    const displayName = name.trim() || 'Authenticator app';
    finish.mutate(
      { enrolmentId: enrolment.enrolmentId, code: code.replace(/\s+/g, ''), displayName },
      {
        onSuccess: () => {
          onAdded(displayName);
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Add an authenticator app" centered size="md">
      <Stack>
        {begin.isPending && <Loader aria-label="Preparing the authenticator app" />}
        <ErrorAlert error={begin.error} title="Could not start" />
        {enrolment && (
          <form onSubmit={submit}>
            <Stack>
              <TotpQrCode src={enrolment.qrCodeDataUrl} size={200} />
              <Stack gap={2}>
                <Text size="sm">Or enter this key in the app by hand:</Text>
                <Group gap="xs" wrap="nowrap">
                  <Code data-testid="totp-secret" style={{ wordBreak: 'break-all' }}>
                    {enrolment.secret}
                  </Code>
                  <CopyButton value={enrolment.secret} timeout={2000}>
                    {({ copied, copy }) => (
                      <Button size="compact-xs" variant={copied ? 'filled' : 'default'} color={copied ? 'teal' : undefined} aria-label="Copy the key" onClick={copy}>
                        {copied ? 'Copied' : 'Copy'}
                      </Button>
                    )}
                  </CopyButton>
                </Group>
              </Stack>
              <TotpCodeInput value={code} onChange={setCode} />
              <TextInput label="Name" description="To tell your devices apart (optional)." placeholder="Authenticator app" maxLength={256} value={name} onChange={(e) => setName(e.currentTarget.value)} />
              <ErrorAlert error={finish.error} title="The app was not added" />
              <FormActions submitLabel="Verify and add" busy={finish.isPending} onCancel={onClose} disabled={code.replace(/\s+/g, '').length !== 6} />
            </Stack>
          </form>
        )}
      </Stack>
    </Modal>
  );
}
