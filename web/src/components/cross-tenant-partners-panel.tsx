import { Autocomplete, Button, Center, Group, Loader, Modal, Stack, Table, Text } from '@mantine/core';
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
import { ConfirmModal } from './confirm-modal.tsx';
import { CrossTenantForm, crossTenantFormKey } from './cross-tenant-form.tsx';
import { describeTargets } from './cross-tenant-values.ts';
import { ErrorAlert } from './error-alert.tsx';

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
  // Kept while the editor closes so its content does not vanish mid-animation.
  const [editing, setEditing] = useState<{ opened: boolean; tenantId: string | null }>({ opened: false, tenantId: null });
  const [deleting, setDeleting] = useState<{ opened: boolean; tenantId: string }>({ opened: false, tenantId: '' });
  const closeDelete = () => setDeleting((prev) => ({ ...prev, opened: false }));
  const rows = partners.data?.value ?? [];
  const knownProviders = providers.data?.value ?? [];
  // Read from the list, so the editor always shows what the server holds after a save.
  const edited = rows.find((p) => p.tenantId === editing.tenantId) ?? null;
  const openEditor = (tenantId: string) => setEditing({ opened: true, tenantId });

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Text size="sm" c="dimmed" style={{ flex: 1 }}>
          Settings for one partner replace the default, section by section; a section not customized follows the default.
          A partner is named by its tenant ID or, without one, by its identity provider's issuer URL.
        </Text>
        <Button onClick={addModal.open}>Add organization</Button>
      </Group>
      <ErrorAlert error={partners.error} title="Could not load partner settings" />
      <Table.ScrollContainer minWidth={720}>
        <Table highlightOnHover aria-label="Partner settings">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Tenant ID or issuer</Table.Th>
              <Table.Th>Inbound access</Table.Th>
              <Table.Th>MFA trusted</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((partner) => {
              const provider = providerFor(knownProviders, partner.tenantId);
              return (
                <Table.Tr key={partner.tenantId} style={{ cursor: 'pointer' }} onClick={() => openEditor(partner.tenantId)}>
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
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="compact-sm"
                        variant="default"
                        aria-label={`Edit ${partner.tenantId}`}
                        onClick={() => openEditor(partner.tenantId)}
                      >
                        Edit
                      </Button>
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        color="red"
                        aria-label={`Delete ${partner.tenantId}`}
                        onClick={() => {
                          remove.reset();
                          setDeleting({ opened: true, tenantId: partner.tenantId });
                        }}
                      >
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {partners.isPending && (
        <Center>
          <Loader aria-label="Loading partner settings" />
        </Center>
      )}
      {partners.isSuccess && rows.length === 0 && (
        <Text c="dimmed" ta="center">
          No organization has its own settings; the default settings apply to every partner.
        </Text>
      )}
      <AddPartnerModal
        opened={addOpened}
        onClose={addModal.close}
        suggestions={knownProviders.map((p) => p.tenantId ?? issuerOf(p)).filter((key) => !rows.some((r) => r.tenantId === key))}
        onAdded={(tenantId) => {
          addModal.close();
          openEditor(tenantId);
        }}
      />
      <PartnerSettingsModal
        opened={editing.opened && edited !== null}
        partner={edited}
        defaults={defaults}
        onClose={() => setEditing((prev) => ({ ...prev, opened: false }))}
      />
      <ConfirmModal
        opened={deleting.opened}
        title="Delete partner settings"
        message={`Delete the settings for ${deleting.tenantId}? The default settings apply to this partner again.`}
        confirmLabel="Delete"
        busy={remove.isPending}
        error={remove.error}
        onClose={closeDelete}
        onConfirm={() => remove.mutate(deleting.tenantId, { onSuccess: closeDelete })}
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
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add organization
            </Button>
          </Group>
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
