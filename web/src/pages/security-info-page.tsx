import { Alert, Anchor, Button, Center, Container, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { METHOD_TYPES, useDeleteMyMethod, useRegenerateRecoveryCodes, useSecurityInfo, type AuthenticationMethod } from '../api/security-info.ts';
import { useSession } from '../api/session.ts';
import { AuthenticationMethodsTable, methodKindNoun } from '../components/authentication-methods-table.tsx';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PasskeyModal, RecoveryCodesModal } from '../components/security-info-dialogs.tsx';
import { TotpEnrolmentModal } from '../components/security-info-totp-modal.tsx';
import { useConfirmMutation } from '../hooks/use-confirm-mutation.ts';

/**
 * Security info: every signed-in user (member or guest) sees their sign-in methods here, adds an authenticator app
 * or a passkey, makes new recovery codes, and removes what they no longer use.
 */
export function SecurityInfoPage() {
  const session = useSession();
  const info = useSecurityInfo();
  const remove = useDeleteMyMethod();
  const regenerate = useRegenerateRecoveryCodes();
  const [adding, setAdding] = useState<'totp' | 'passkey' | null>(null);
  const removing = useConfirmMutation(remove, (method: AuthenticationMethod) => method.id);
  const [notice, setNotice] = useState<string | null>(null);
  const isAdmin = (session.data?.roles.length ?? 0) > 0;

  const added = (what: string) => (name: string) => setNotice(`${what} “${name}” was added.`);

  return (
    <Container size="md" py="xl">
      <Stack>
        <Group justify="space-between">
          <Anchor component={Link} to="/my-account" size="sm">
            ← My account
          </Anchor>
          {isAdmin && (
            <Anchor component={Link} to="/users" size="sm">
              Administration
            </Anchor>
          )}
        </Group>
        <div>
          <Title order={2}>Security info</Title>
          <Text c="dimmed" size="sm">
            The methods you use to prove it is you when you sign in.
          </Text>
        </div>
        {info.isPending && (
          <Center>
            <Loader aria-label="Loading your security info" />
          </Center>
        )}
        <ErrorAlert error={info.error} title="Could not load your security info" />
        {notice && (
          <Alert color="teal" role="status" withCloseButton onClose={() => setNotice(null)}>
            {notice}
          </Alert>
        )}
        {info.data && (
          <>
            {info.data.summary.perUserMfaState === 'enforced' && !info.data.summary.totp && !info.data.summary.webauthn && (
              <Alert color="yellow" title="Your organization requires a second sign-in method">
                Add an authenticator app or a passkey.
              </Alert>
            )}
            <Paper withBorder p="md">
              <AuthenticationMethodsTable
                label="Sign-in methods"
                methods={info.data.methods}
                actionLabel="Remove"
                canAct={(method) => method['@odata.type'] !== METHOD_TYPES.password}
                onAct={removing.ask}
                empty="You sign in through your organization or with a code by email; add a method below."
              />
            </Paper>
            <Group>
              <Button onClick={() => setAdding('totp')}>Add authenticator app</Button>
              <Button onClick={() => setAdding('passkey')}>Add passkey</Button>
              <Button variant="default" loading={regenerate.isPending} onClick={() => regenerate.mutate()}>
                {info.data.summary.recoveryCodesLeft > 0 ? 'Get new recovery codes' : 'Create recovery codes'}
              </Button>
            </Group>
            <ErrorAlert error={regenerate.error} title="Could not create recovery codes" />
          </>
        )}
      </Stack>
      <TotpEnrolmentModal opened={adding === 'totp'} onClose={() => setAdding(null)} onAdded={added('Authenticator app')} />
      <PasskeyModal opened={adding === 'passkey'} onClose={() => setAdding(null)} onAdded={added('Passkey')} />
      <RecoveryCodesModal codes={regenerate.data?.codes} onClose={() => regenerate.reset()} />
      <ConfirmModal
        {...removing.modalProps}
        title={`Remove ${removing.target ? methodKindNoun(removing.target) : 'method'}?`}
        message={removing.target?.['@odata.type'] === METHOD_TYPES.recoveryCodes ? 'All your remaining recovery codes stop working.' : `You can no longer sign in with “${removing.target?.displayName ?? ''}”.`}
        confirmLabel="Remove"
      />
    </Container>
  );
}
