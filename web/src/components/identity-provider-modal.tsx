import {
  Badge,
  Button,
  Collapse,
  FileInput,
  Group,
  Modal,
  PasswordInput,
  Radio,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState, type FormEvent } from 'react';
import {
  isOidc,
  useCreateIdentityProvider,
  useUpdateIdentityProvider,
  type ClaimsMapping,
  type IdentityProvider,
} from '../api/identity-providers.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';
import { createBody, patchBody, valuesOf, type ProviderFormValues, type Protocol, type SamlSource } from './identity-provider-values.ts';

interface IdentityProviderModalProps {
  opened: boolean;
  /** The provider to edit, or null to add a new one. */
  provider: IdentityProvider | null;
  onClose: () => void;
}

/** "New identity provider" and "Edit identity provider": the same form, OpenID Connect or SAML. */
export function IdentityProviderModal({ opened, provider, onClose }: IdentityProviderModalProps) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={provider ? 'Edit identity provider' : 'New identity provider'}
      size="lg"
      centered
    >
      {/* Keyed on the provider so each opening starts from what is stored. */}
      <IdentityProviderForm key={provider?.id ?? 'new'} provider={provider} onDone={onClose} />
    </Modal>
  );
}

function IdentityProviderForm({ provider, onDone }: { provider: IdentityProvider | null; onDone: () => void }) {
  const create = useCreateIdentityProvider();
  const update = useUpdateIdentityProvider();
  const [initial] = useState(() => valuesOf(provider));
  const [values, setValues] = useState<ProviderFormValues>(initial);
  const [nothingToSave, setNothingToSave] = useState(false);
  const set = <K extends keyof ProviderFormValues>(key: K, value: ProviderFormValues[K]) => {
    setValues((prev) => ({ ...prev, [key]: value }));
    setNothingToSave(false);
  };
  const mutation = provider ? update : create;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!provider) {
      create.mutate(createBody(values), { onSuccess: onDone });
      return;
    }
    const patch = patchBody(initial, values);
    if (patch) update.mutate({ id: provider.id, patch }, { onSuccess: onDone });
    else setNothingToSave(true);
  };

  return (
    <form onSubmit={onSubmit} aria-label={provider ? 'Edit identity provider' : 'New identity provider'}>
      <Stack>
        <ErrorAlert
          error={mutation.error}
          title={provider ? 'Could not save the identity provider' : 'Could not add the identity provider'}
        />
        {provider ? (
          <Group gap="xs">
            <Text size="sm" c="dimmed">
              Protocol
            </Text>
            <Badge variant="light">{isOidc(provider) ? 'OpenID Connect' : 'SAML'}</Badge>
          </Group>
        ) : (
          <SegmentedControl
            aria-label="Protocol"
            data={[
              { value: 'oidc', label: 'OpenID Connect' },
              { value: 'saml', label: 'SAML' },
            ]}
            value={values.protocol}
            onChange={(value) => set('protocol', value as Protocol)}
          />
        )}
        <TextInput
          label="Display name"
          description="Shown to invitees on the sign-in button, e.g. “Contoso”."
          required
          data-autofocus
          value={values.displayName}
          onChange={(e) => set('displayName', e.currentTarget.value)}
        />
        <TagsInput
          label="Domains"
          description="Invitees with an address at these domains (or their subdomains) sign in here. Type one and press Enter."
          splitChars={[',', ' ', ';']}
          value={values.domains}
          onChange={(domains) => set('domains', domains.map((d) => d.trim().toLowerCase()))}
        />
        {values.protocol === 'oidc' ? (
          <OidcFields values={values} set={set} secretIsSet={provider !== null && isOidc(provider) && provider.clientSecret !== null} editing={provider !== null} />
        ) : (
          <SamlFields values={values} set={set} editing={provider !== null} />
        )}
        <TextInput
          label="Tenant ID"
          description="Optional: the partner's tenant id, which cross-tenant access settings refer to. Leave empty to use the issuer."
          value={values.tenantId}
          onChange={(e) => set('tenantId', e.currentTarget.value)}
        />
        <Switch
          label="Enabled"
          description="A disabled provider is kept but nobody can sign in with it."
          checked={values.isEnabled}
          onChange={(e) => set('isEnabled', e.currentTarget.checked)}
        />
        <FormActions submitLabel={provider ? 'Save changes' : 'Add identity provider'} busy={mutation.isPending} onCancel={onDone}>
          {nothingToSave && (
            <Text size="sm" c="dimmed" role="status">
              Nothing to save: no setting was changed.
            </Text>
          )}
        </FormActions>
      </Stack>
    </form>
  );
}

type Setter = <K extends keyof ProviderFormValues>(key: K, value: ProviderFormValues[K]) => void;

interface FieldsProps {
  values: ProviderFormValues;
  set: Setter;
  editing: boolean;
}

const CLAIMS: { key: keyof ClaimsMapping; label: string }[] = [
  { key: 'userId', label: 'User ID claim' },
  { key: 'email', label: 'Email claim' },
  // Not "Display name claim": the label must not contain another field's label ("Display name").
  { key: 'displayName', label: 'Name claim' },
  { key: 'groups', label: 'Groups claim' },
  { key: 'amr', label: 'Authentication methods claim' },
];

function OidcFields({ values, set, editing, secretIsSet }: FieldsProps & { secretIsSet: boolean }) {
  const [claimsOpen, claims] = useDisclosure(false);
  return (
    <>
      <TextInput
        label="Issuer URL"
        description="The provider's issuer; Gatehouse reads {issuer}/.well-known/openid-configuration."
        type="url"
        required
        placeholder="https://login.vendor.com"
        value={values.issuer}
        onChange={(e) => set('issuer', e.currentTarget.value)}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Client ID"
          required
          value={values.clientId}
          onChange={(e) => set('clientId', e.currentTarget.value)}
        />
        <PasswordInput
          label="Client secret"
          description={editing ? (secretIsSet ? 'A secret is set; leave empty to keep it.' : 'No secret is set.') : undefined}
          required={!editing}
          autoComplete="new-password"
          value={values.clientSecret}
          onChange={(e) => set('clientSecret', e.currentTarget.value)}
        />
      </SimpleGrid>
      <TextInput
        label="Scopes"
        description="Separated by spaces; must include openid."
        required
        value={values.scope}
        onChange={(e) => set('scope', e.currentTarget.value)}
      />
      <div>
        <Button variant="subtle" size="compact-sm" onClick={claims.toggle} aria-expanded={claimsOpen}>
          {claimsOpen ? 'Hide claim mapping' : 'Claim mapping'}
        </Button>
        <Collapse expanded={claimsOpen}>
          <Stack gap="xs" mt="xs">
            <Text size="sm" c="dimmed">
              Which claims of the provider's ID token carry the user's identity. The defaults suit most providers.
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {CLAIMS.map((claim) => (
                <TextInput
                  key={claim.key}
                  label={claim.label}
                  value={values.claims[claim.key]}
                  onChange={(e) => set('claims', { ...values.claims, [claim.key]: e.currentTarget.value })}
                />
              ))}
            </SimpleGrid>
          </Stack>
        </Collapse>
      </div>
    </>
  );
}

const SAML_SOURCES: { value: SamlSource; label: string; description: string }[] = [
  { value: 'xml', label: 'Paste or upload the metadata', description: 'The IdP metadata document (XML) the partner gives you.' },
  { value: 'url', label: 'Fetch the metadata from its URL', description: 'Gatehouse downloads the metadata once, now.' },
  { value: 'manual', label: 'Enter the settings by hand', description: 'Entity ID, sign-in URL and signing certificate.' },
];

function SamlFields({ values, set, editing }: FieldsProps) {
  const [readError, setReadError] = useState<string | null>(null);
  const onFile = (file: File | null) => {
    setReadError(null);
    if (!file) return;
    file.text().then(
      (text) => set('metadataXml', text),
      () => setReadError('The file could not be read.'),
    );
  };
  return (
    <>
      <Radio.Group
        label="Configure from"
        description={editing ? 'Choosing metadata replaces the entity ID, sign-in URL and certificate with what it says.' : undefined}
        value={values.samlSource}
        onChange={(value) => set('samlSource', value as SamlSource)}
      >
        <Stack gap="xs" mt="xs">
          {SAML_SOURCES.map((source) => (
            <Radio key={source.value} value={source.value} label={source.label} description={source.description} />
          ))}
        </Stack>
      </Radio.Group>
      {values.samlSource === 'xml' && (
        <>
          <FileInput
            label="Metadata file"
            placeholder="Choose an .xml file"
            accept=".xml,application/xml,text/xml,application/samlmetadata+xml"
            clearable
            onChange={onFile}
            error={readError}
          />
          <Textarea
            label="Metadata XML"
            description="Filled from the file, or paste the document here."
            required
            autosize
            minRows={3}
            maxRows={8}
            styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
            value={values.metadataXml}
            onChange={(e) => set('metadataXml', e.currentTarget.value)}
          />
        </>
      )}
      {values.samlSource === 'url' && (
        <TextInput
          label="Metadata URL"
          type="url"
          required
          placeholder="https://idp.vendor.com/metadata.xml"
          value={values.metadataUrl}
          onChange={(e) => set('metadataUrl', e.currentTarget.value)}
        />
      )}
      {values.samlSource === 'manual' && (
        <>
          <TextInput
            label="Entity ID"
            description="The IdP's issuer (entityID in its metadata)."
            required
            value={values.entityId}
            onChange={(e) => set('entityId', e.currentTarget.value)}
          />
          <TextInput
            label="Sign-in URL"
            description="The IdP's single sign-on URL (HTTP-Redirect binding)."
            type="url"
            required
            value={values.signInUrl}
            onChange={(e) => set('signInUrl', e.currentTarget.value)}
          />
          <Textarea
            label="Signing certificate"
            description="PEM or base64; the IdP signs assertions with it."
            required
            autosize
            minRows={3}
            maxRows={8}
            styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
            value={values.certificate}
            onChange={(e) => set('certificate', e.currentTarget.value)}
          />
        </>
      )}
    </>
  );
}
