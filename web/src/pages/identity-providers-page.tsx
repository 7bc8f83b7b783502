import { Badge, Button, Stack, Table, Text } from '@mantine/core';
import {
  domainsOf,
  isOidc,
  issuerOf,
  useDeleteIdentityProvider,
  useIdentityProviders,
  type IdentityProvider,
} from '../api/identity-providers.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { IdentityProviderModal } from '../components/identity-provider-modal.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { PartnerSetupInfo } from '../components/partner-setup-info.tsx';
import { EditDeleteButtons, ResourceTable } from '../components/resource-table.tsx';
import { EnabledBadge } from '../components/status-badges.tsx';
import { useConfirmMutation } from '../hooks/use-confirm-mutation.ts';
import { useModalState } from '../hooks/use-modal-state.ts';

export function IdentityProvidersPage() {
  const providers = useIdentityProviders();
  const remove = useDeleteIdentityProvider();
  const editing = useModalState<IdentityProvider | null>(null);
  const deleting = useConfirmMutation(remove, (provider: IdentityProvider) => provider.id);

  return (
    <Stack>
      <PageHeader
        title="Identity providers"
        description="Partners' OpenID Connect and SAML identity providers that their people sign in with."
        action={<Button onClick={() => editing.open(null)}>New identity provider</Button>}
      />
      <PartnerSetupInfo />
      <ResourceTable
        query={providers}
        label="Identity providers"
        errorTitle="Could not load identity providers"
        loadingLabel="Loading identity providers"
        minWidth={800}
        columns={['Name', 'Type', 'Domains', 'Issuer or entity ID', 'Status', 'Actions']}
        empty="No identity providers yet. Invitees then redeem with a one-time passcode sent to their address."
        row={(provider) => (
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
              <EditDeleteButtons name={provider.displayName} onEdit={() => editing.open(provider)} onDelete={() => deleting.ask(provider)} />
            </Table.Td>
          </Table.Tr>
        )}
      />
      <IdentityProviderModal opened={editing.opened} provider={editing.value} onClose={editing.close} />
      <ConfirmModal
        {...deleting.modalProps}
        title="Delete identity provider"
        message={`Delete ${deleting.target?.displayName ?? ''}? Guests who signed in with it can no longer sign in until they are given another way.`}
        confirmLabel="Delete"
      />
    </Stack>
  );
}
