import { ActionIcon, Autocomplete, Button, Fieldset, Group, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { issuerOf, useIdentityProviders } from '../api/identity-providers.ts';
import { DOMAIN_SOURCE, FEDERATION_SOURCE, TENANT_SOURCE, type IdentitySource } from '../api/partners.ts';

export type SourceKind = 'domain' | 'federation' | 'tenant';

/** One identity source as edited: every kind's fields are kept, so switching the type loses nothing typed. */
export interface SourceDraft {
  /** Stable React key; sources have no id of their own. */
  key: string;
  kind: SourceKind;
  domainName: string;
  issuerUri: string;
  tenantId: string;
  /** Kept from the server so an edit does not rename the source; a new source gets one from the server. */
  displayName: string | null;
}

const KINDS: { value: SourceKind; label: string }[] = [
  { value: 'domain', label: 'Email domain' },
  { value: 'federation', label: 'Identity provider' },
  { value: 'tenant', label: 'Microsoft Entra tenant' },
];

export const newSourceDraft = (): SourceDraft => ({
  key: Math.random().toString(36).slice(2),
  kind: 'domain',
  domainName: '',
  issuerUri: '',
  tenantId: '',
  displayName: null,
});

export function draftOf(source: IdentitySource): SourceDraft {
  const draft = { ...newSourceDraft(), displayName: source.displayName ?? null };
  switch (source['@odata.type']) {
    case DOMAIN_SOURCE:
      return { ...draft, kind: 'domain', domainName: source.domainName };
    case FEDERATION_SOURCE:
      return { ...draft, kind: 'federation', issuerUri: source.issuerUri, domainName: source.domainName ?? '' };
    case TENANT_SOURCE:
      return { ...draft, kind: 'tenant', tenantId: source.tenantId };
  }
}

export function sourceOf(draft: SourceDraft): IdentitySource {
  const named = draft.displayName ? { displayName: draft.displayName } : {};
  const domainName = draft.domainName.trim().toLowerCase();
  switch (draft.kind) {
    case 'domain':
      return { '@odata.type': DOMAIN_SOURCE, domainName, ...named };
    case 'federation':
      return { '@odata.type': FEDERATION_SOURCE, issuerUri: draft.issuerUri.trim(), domainName: domainName || null, ...named };
    case 'tenant':
      return { '@odata.type': TENANT_SOURCE, tenantId: draft.tenantId.trim(), ...named };
  }
}

interface IdentitySourcesEditorProps {
  value: SourceDraft[];
  onChange: (value: SourceDraft[]) => void;
}

/**
 * The list of ways a partner's people are recognised. Each source is a fieldset named "Identity source N", so
 * its fields can be told apart from the same fields of the other sources.
 */
export function IdentitySourcesEditor({ value, onChange }: IdentitySourcesEditorProps) {
  // Issuers of the configured providers, offered while typing an issuer.
  const providers = useIdentityProviders();
  const issuers = [...new Set((providers.data?.value ?? []).map(issuerOf))];
  const update = (key: string, patch: Partial<SourceDraft>) =>
    onChange(value.map((d) => (d.key === key ? { ...d, ...patch, displayName: patch.kind && patch.kind !== d.kind ? null : d.displayName } : d)));

  return (
    <Stack gap="xs">
      <div>
        <Text size="sm" fw={500}>
          Identity sources
        </Text>
        <Text size="xs" c="dimmed">
          How Gatehouse recognises this partner's people: by their email domain, the identity provider they sign in
          with, or their Microsoft Entra tenant.
        </Text>
      </div>
      {value.map((draft, index) => (
        <Fieldset key={draft.key} legend={`Identity source ${index + 1}`} variant="filled" p="sm">
          <Group align="flex-end" wrap="nowrap">
            <SimpleGrid cols={{ base: 1, sm: 2 }} style={{ flex: 1 }}>
              <Select
                label="Type"
                data={KINDS}
                allowDeselect={false}
                value={draft.kind}
                onChange={(kind) => kind && update(draft.key, { kind: kind as SourceKind })}
              />
              {draft.kind === 'domain' && (
                <TextInput
                  label="Domain"
                  placeholder="vendor.com"
                  required
                  value={draft.domainName}
                  onChange={(e) => update(draft.key, { domainName: e.currentTarget.value })}
                />
              )}
              {draft.kind === 'federation' && (
                <>
                  <Autocomplete
                    label="Issuer URL"
                    description="The provider's issuer or SAML entity ID."
                    placeholder="https://login.vendor.com"
                    required
                    data={issuers}
                    value={draft.issuerUri}
                    onChange={(issuerUri) => update(draft.key, { issuerUri })}
                  />
                  <TextInput
                    label="Domain"
                    description="Optional."
                    placeholder="vendor.com"
                    value={draft.domainName}
                    onChange={(e) => update(draft.key, { domainName: e.currentTarget.value })}
                  />
                </>
              )}
              {draft.kind === 'tenant' && (
                <TextInput
                  label="Tenant ID"
                  placeholder="00000000-0000-0000-0000-000000000000"
                  required
                  value={draft.tenantId}
                  onChange={(e) => update(draft.key, { tenantId: e.currentTarget.value })}
                />
              )}
            </SimpleGrid>
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              aria-label={`Remove identity source ${index + 1}`}
              disabled={value.length === 1}
              onClick={() => onChange(value.filter((d) => d.key !== draft.key))}
            >
              ×
            </ActionIcon>
          </Group>
        </Fieldset>
      ))}
      <Group>
        <Button variant="default" size="xs" onClick={() => onChange([...value, newSourceDraft()])} disabled={value.length >= 50}>
          Add identity source
        </Button>
      </Group>
    </Stack>
  );
}
