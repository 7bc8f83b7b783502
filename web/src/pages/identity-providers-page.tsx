import { Badge, Button, Center, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import {
  domainsOf,
  isOidc,
  issuerOf,
  useDeleteIdentityProvider,
  useIdentityProviders,
  type IdentityProvider,
} from '../api/identity-providers.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { IdentityProviderModal } from '../components/identity-provider-modal.tsx';
import { PartnerSetupInfo } from '../components/partner-setup-info.tsx';
import { EnabledBadge } from '../components/status-badges.tsx';

/** The modal's state; the provider stays set while it closes, so its title does not change mid-animation. */
interface Editing {
  opened: boolean;
  provider: IdentityProvider | null;
}

export function IdentityProvidersPage() {
  const providers = useIdentityProviders();
  const remove = useDeleteIdentityProvider();
  const [editing, setEditing] = useState<Editing>({ opened: false, provider: null });
  // Kept while the confirmation closes, so its message does not lose the name mid-animation.
  const [deleting, setDeleting] = useState<{ opened: boolean; provider: IdentityProvider | null }>({ opened: false, provider: null });
  const closeDelete = () => setDeleting((prev) => ({ ...prev, opened: false }));
  const rows = providers.data?.value ?? [];

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>Identity providers</Title>
          <Text c="dimmed">Partners' OpenID Connect and SAML identity providers that their people sign in with.</Text>
        </div>
        <Button onClick={() => setEditing({ opened: true, provider: null })}>New identity provider</Button>
      </Group>
      <PartnerSetupInfo />
      <ErrorAlert error={providers.error} title="Could not load identity providers" />
      <Table.ScrollContainer minWidth={800}>
        <Table highlightOnHover aria-label="Identity providers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Domains</Table.Th>
              <Table.Th>Issuer or entity ID</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((provider) => (
              <Table.Tr key={provider.id}>
                <Table.Td>{provider.displayName}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={isOidc(provider) ? 'indigo' : 'grape'}>
                    {isOidc(provider) ? 'OIDC' : 'SAML'}
                  </Badge>
                </Table.Td>
                <Table.Td>{domainsOf(provider).join(', ')}</Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ wordBreak: 'break-all' }}>
                    {issuerOf(provider)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <EnabledBadge enabled={provider.isEnabled} />
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <Button
                      size="compact-sm"
                      variant="default"
                      aria-label={`Edit ${provider.displayName}`}
                      onClick={() => setEditing({ opened: true, provider })}
                    >
                      Edit
                    </Button>
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      color="red"
                      aria-label={`Delete ${provider.displayName}`}
                      onClick={() => {
                        remove.reset();
                        setDeleting({ opened: true, provider });
                      }}
                    >
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {providers.isPending && (
        <Center>
          <Loader aria-label="Loading identity providers" />
        </Center>
      )}
      {providers.isSuccess && rows.length === 0 && (
        <Text c="dimmed" ta="center">
          No identity providers yet. Invitees then redeem with a one-time passcode sent to their address.
        </Text>
      )}
      <IdentityProviderModal
        opened={editing.opened}
        provider={editing.provider}
        onClose={() => setEditing((prev) => ({ ...prev, opened: false }))}
      />
      <ConfirmModal
        opened={deleting.opened}
        title="Delete identity provider"
        message={`Delete ${deleting.provider?.displayName ?? ''}? Guests who signed in with it can no longer sign in until they are given another way.`}
        confirmLabel="Delete"
        busy={remove.isPending}
        error={remove.error}
        onClose={closeDelete}
        onConfirm={() => deleting.provider && remove.mutate(deleting.provider.id, { onSuccess: closeDelete })}
      />
    </Stack>
  );
}
