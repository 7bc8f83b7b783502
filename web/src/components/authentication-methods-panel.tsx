import { Loader, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useId } from 'react';
import {
  METHOD_TYPES,
  useDeleteUserMethod,
  useSetUserMfaRequirement,
  useUserAuthenticationMethods,
  useUserMfaRequirement,
  type AuthenticationMethod,
} from '../api/security-info.ts';
import { useConfirmMutation } from '../hooks/use-confirm-mutation.ts';
import { AuthenticationMethodsTable, methodKindNoun } from './authentication-methods-table.tsx';
import { ConfirmModal } from './confirm-modal.tsx';
import { ErrorAlert } from './error-alert.tsx';

/** A user's authentication methods for administrators: the per-user MFA requirement, and removing a lost device. */
export function AuthenticationMethodsPanel({ userId, userName }: { userId: string; userName: string }) {
  const headingId = useId();
  const methods = useUserAuthenticationMethods(userId);
  const requirement = useUserMfaRequirement(userId);
  const setRequirement = useSetUserMfaRequirement(userId);
  const remove = useDeleteUserMethod(userId);
  const removing = useConfirmMutation(remove, (method: AuthenticationMethod) => method);
  const removable = (m: AuthenticationMethod) => m['@odata.type'] === METHOD_TYPES.softwareOath || m['@odata.type'] === METHOD_TYPES.fido2;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={headingId}>
      <Stack>
        <Title order={3} size="h4" id={headingId}>
          Authentication methods
        </Title>
        <Switch
          label="Require multifactor authentication (per-user MFA)"
          description="The user must use a second method at every sign-in, and register one at the next sign-in if they have none."
          checked={requirement.data?.perUserMfaState === 'enforced'}
          disabled={!requirement.data || setRequirement.isPending}
          onChange={(e) => setRequirement.mutate(e.currentTarget.checked ? 'enforced' : 'disabled')}
        />
        <ErrorAlert error={requirement.error ?? setRequirement.error} title="Could not read or change the MFA requirement" />
        {methods.isPending && <Loader size="sm" aria-label="Loading authentication methods" />}
        <ErrorAlert error={methods.error} title="Could not load the authentication methods" />
        {methods.data && <AuthenticationMethodsTable label="Authentication methods" methods={methods.data.value} actionLabel="Delete" canAct={removable} onAct={removing.ask} />}
        {methods.data && methods.data.value.length === 0 && (
          <Text size="sm" c="dimmed">
            No methods: the user signs in through a partner or by email code.
          </Text>
        )}
      </Stack>
      <ConfirmModal
        {...removing.modalProps}
        title="Delete authentication method"
        message={`Delete ${removing.target ? methodKindNoun(removing.target) : ''} “${removing.target?.displayName ?? ''}” of ${userName}? It stops working at once.`}
        confirmLabel="Delete"
      />
    </Paper>
  );
}
