import { Autocomplete, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState, type FormEvent } from 'react';
import {
  useCreateCrossTenantPartner,
  useCrossTenantPartners,
  useDeleteCrossTenantPartner,
  useUpdateCrossTenantPartner,
  type CrossTenantPartner,
  type CrossTenantSettings,
} from '../api/cross-tenant.ts';
import { issuerOf, useIdentityProviders, type IdentityProvider } from '../api/identity-providers.ts';
import { useConfirmMutation } from '../hooks/use-confirm-mutation.ts';
import { useModalState } from '../hooks/use-modal-state.ts';
import { ConfirmModal } from './confirm-modal.tsx';
import { CrossTenantForm, crossTenantFormKey } from './cross-tenant-form.tsx';
import { describeTargets } from './cross-tenant-values.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';
import { EditDeleteButtons, ResourceTable } from './resource-table.tsx';

/** The identity provider a partner key names (by tenant id or issuer), to show a readable name beside it. */
function providerFor(providers: IdentityProvider[], key: string): IdentityProvider | undefined {
  return providers.find((p) => p.tenantId === key || issuerOf(p) === key);
}

function mfaSummary(partner: CrossTenantPartner): string {
  if (!partner.inboundTrust) return 'Inherited';
  return partner.inboundTrust.isMfaAccepted ? 'Yes' : 'No';
}

function inboundSummary(partner: CrossTenantPartner): string {
  if (!partner.b2bCollaborationInbound) return 'Inherited';
  return describeTargets('usersAndGroups', partner.b2bCollaborationInbound.usersAndGroups);
}

/** Partner-specific settings ("Organizational settings"): list, add, edit in the shared editor, delete. */
export function CrossTenantPartnersPanel({ defaults }: { defaults: CrossTenantSettings }) {
  const partners = useCrossTenantPartners();
  const providers = useIdentityProviders();
  const remove = useDeleteCrossTenantPartner();
  const [addOpened, addModal] = useDisclosure(false);
  const editing = useModalState<string | null>(null);
  const deleting = useConfirmMutation(remove, (tenantId: string) => tenantId);
  const rows = partners.data?.value ?? [];
  const knownProviders = providers.data?.value ?? [];
  // Read from the list, so the editor always shows what the server holds after a save.
  const edited = rows.find((p) => p.tenantId === editing.value) ?? null;

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Text size="sm" c="dimmed" style={{ flex: 1 }}>
          Settings for one partner replace the default, section by section; a section not customized follows the default.
          A partner is named by its tenant ID or, without one, by its identity provider's issuer URL.
        </Text>
        <Button onClick={addModal.open}>Add organization</Button>
      </Group>
      <ResourceTable
        query={partners}
        label="Partner settings"
        errorTitle="Could not load partner settings"
        loadingLabel="Loading partner settings"
        minWidth={720}
        columns={['Tenant ID or issuer', 'Inbound access', 'MFA trusted', 'Actions']}
        empty="No organization has its own settings; the default settings apply to every partner."
        row={(partner) => {
          const provider = providerFor(knownProviders, partner.tenantId);
          return (
            <Table.Tr key={partner.tenantId} style={{ cursor: 'pointer' }} onClick={() => editing.open(partner.tenantId)}>
              <Table.Td>
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {partner.tenantId}
                </Text>
                {provider && (
                  <Text size="xs" c="dimmed">
                    {provider.displayName}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{inboundSummary(partner)}</Table.Td>
              <Table.Td>{mfaSummary(partner)}</Table.Td>
              <Table.Td onClick={(e) => e.stopPropagation()}>
                <EditDeleteButtons name={partner.tenantId} onEdit={() => editing.open(partner.tenantId)} onDelete={() => deleting.ask(partner.tenantId)} />
              </Table.Td>
            </Table.Tr>
          );
        }}
      />
      <AddPartnerModal
        opened={addOpened}
        onClose={addModal.close}
        suggestions={knownProviders.map((p) => p.tenantId ?? issuerOf(p)).filter((key) => !rows.some((r) => r.tenantId === key))}
        onAdded={(tenantId) => {
          addModal.close();
          editing.open(tenantId);
        }}
      />
      <PartnerSettingsModal opened={editing.opened && edited !== null} partner={edited} defaults={defaults} onClose={editing.close} />
      <ConfirmModal
        {...deleting.modalProps}
        title="Delete partner settings"
        message={`Delete the settings for ${deleting.target ?? ''}? The default settings apply to this partner again.`}
        confirmLabel="Delete"
      />
    </Stack>
  );
}

interface AddPartnerModalProps {
  opened: boolean;
  onClose: () => void;
  /** Partner keys of configured identity providers that have no settings yet. */
  suggestions: string[];
  onAdded: (tenantId: string) => void;
}

function AddPartnerModal({ opened, onClose, suggestions, onAdded }: AddPartnerModalProps) {
  const create = useCreateCrossTenantPartner();
  const [tenantId, setTenantId] = useState('');

  const close = () => {
    setTenantId('');
    create.reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const key = tenantId.trim();
    create.mutate(
      { tenantId: key },
      {
        onSuccess: () => {
          setTenantId('');
          create.reset();
          onAdded(key);
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={close} title="Add organization" centered>
      <form onSubmit={onSubmit} aria-label="Add organization">
        <Stack>
          <ErrorAlert error={create.error} title="Could not add the organization" />
          <Autocomplete
            label="Tenant ID or issuer URL"
            description="The partner's Microsoft Entra tenant ID, or the issuer (entity ID) of its identity provider."
            required
            data-autofocus
            data={[...new Set(suggestions)]}
            value={tenantId}
            onChange={setTenantId}
          />
          <Text size="xs" c="dimmed">
            The new organization starts with every section following the default settings.
          </Text>
          <FormActions submitLabel="Add organization" busy={create.isPending} onCancel={close} />
        </Stack>
      </form>
    </Modal>
  );
}

interface PartnerSettingsModalProps {
  opened: boolean;
  partner: CrossTenantPartner | null;
  defaults: CrossTenantSettings;
  onClose: () => void;
}

function PartnerSettingsModal({ opened, partner, defaults, onClose }: PartnerSettingsModalProps) {
  const update = useUpdateCrossTenantPartner();
  const close = () => {
    update.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Edit partner settings" size="xl" centered>
      {partner && (
        <Stack>
          <Text size="sm" style={{ wordBreak: 'break-all' }} data-testid="partner-settings-tenant">
            <Text span c="dimmed">
              Partner:{' '}
            </Text>
            {partner.tenantId}
          </Text>
          <ErrorAlert error={update.error} title="Could not save the partner settings" />
          <CrossTenantForm
            key={crossTenantFormKey(partner)}
            label="Settings for this partner"
            settings={partner}
            defaults={defaults}
            partner
            saving={update.isPending}
            onSave={(patch) => update.mutate({ tenantId: partner.tenantId, patch }, { onSuccess: close })}
            onEdit={() => {
              if (update.isError) update.reset();
            }}
          />
        </Stack>
      )}
    </Modal>
  );
}
