import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';

/** Where a partner's identity provider sends users back: the same paths the server registers. */
export const federationCallbackUrl = () => `${window.location.origin}/portal/api/federation/callback`;
export const samlServiceProviderUrl = () => `${window.location.origin}/saml/sp`;

function CopyableValue({ label, value, copyLabel }: { label: string; value: string; copyLabel: string }) {
  return (
    <Stack gap={2}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="center">
        <Code style={{ wordBreak: 'break-all' }}>{value}</Code>
        <CopyButton value={value} timeout={2000}>
          {({ copied, copy }) => (
            <Button
              size="compact-xs"
              variant={copied ? 'filled' : 'default'}
              color={copied ? 'teal' : undefined}
              aria-label={copyLabel}
              onClick={copy}
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

/** What to give a partner so their identity provider accepts Gatehouse as a client or service provider. */
export function PartnerSetupInfo() {
  return (
    <Alert color="blue" variant="light" title="What partners need to configure" data-testid="partner-setup-info">
      <Stack gap="sm">
        <CopyableValue
          label="OpenID Connect redirect URI"
          value={federationCallbackUrl()}
          copyLabel="Copy redirect URI"
        />
        <CopyableValue
          label="SAML service provider metadata URL (also its entity ID)"
          value={samlServiceProviderUrl()}
          copyLabel="Copy SAML metadata URL"
        />
      </Stack>
    </Alert>
  );
}
