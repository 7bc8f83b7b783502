import { Alert, Badge, Button, Checkbox, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNamedLocations, useTargetApplications, useWhatIf, type RiskLevel, type WhatIfAnswer, type WhatIfRequest } from '../api/conditional-access.ts';
import { DirectoryPicker, type PickedObject } from '../components/directory-picker.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PLATFORMS } from '../components/ca-policy-values.ts';
import { TableHead } from '../components/table-head.tsx';
import { COUNTRIES } from './named-locations-page.tsx';

const RISKS: { value: RiskLevel; label: string }[] = [
  { value: 'none', label: 'No risk' },
  { value: 'low', label: 'Low' },
  { value: 'medium', label: 'Medium' },
  { value: 'high', label: 'High' },
];
const REQUIREMENT_LABELS: Record<string, string> = {
  mfa: 'multifactor authentication',
  phishingResistant: 'a passkey (phishing-resistant MFA)',
  compliantDevice: 'a compliant device',
  reauthentication: 'signing in again',
};
/** What Graph's analysisReasons flags mean, in words. */
const WHY_NOT: Record<string, string> = {
  notSet: '',
  users: 'user not included or excluded',
  application: 'application not included or excluded',
  clientApps: 'client app not included',
  devicePlatform: 'device platform not included or excluded',
  location: 'location not included or excluded',
  signInRisk: 'sign-in risk not included',
  userRisk: 'user risk not included',
  policyNotEnabled: 'policy is off',
  notEnoughInformation: 'not enough information',
};

export function WhatIfPage() {
  const apps = useTargetApplications();
  const locations = useNamedLocations();
  const whatIf = useWhatIf();
  const [user, setUser] = useState<PickedObject | null>(null);
  const [input, setInput] = useState<Omit<WhatIfRequest, 'userId'>>({
    applicationId: '5f1c2a8e-7d34-4b6f-9a0e-3c8d1b7e2f45',
    devicePlatform: 'all',
    clientAppType: 'browser',
    signInRiskLevel: 'none',
    userRiskLevel: 'none',
    country: '',
    ipAddress: '',
    isCompliant: false,
  });
  const set = <K extends keyof typeof input>(key: K, value: (typeof input)[K]) => setInput((prev) => ({ ...prev, [key]: value }));
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (user) whatIf.mutate({ ...input, userId: user.id });
  };
  const locationName = (id: string) => locations.data?.value.find((l) => l.id === id)?.displayName ?? id;

  return (
    <Stack>
      <div>
        <Title order={2}>What if</Title>
        <Text c="dimmed">Which Conditional Access policies would apply to a sign-in, and what the user would have to do. The same evaluator decides real sign-ins.</Text>
      </div>
      <Paper withBorder p="md">
        <form onSubmit={onSubmit} aria-label="What-if sign-in">
          <Stack>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <DirectoryPicker label="User" placeholder="Search users by name" value={user} onChange={setUser} />
              <Select label="Application" data={(apps.data ?? []).map((a) => ({ value: a.appId, label: a.displayName }))} value={input.applicationId} onChange={(v) => set('applicationId', v ?? '')} searchable />
              <Select label="Device platform" data={[{ value: 'all', label: 'Any (unknown)' }, ...PLATFORMS]} value={input.devicePlatform} onChange={(v) => set('devicePlatform', (v ?? 'all') as WhatIfRequest['devicePlatform'])} />
              <Select
                label="Client app"
                data={[
                  { value: 'browser', label: 'Browser' },
                  { value: 'mobileAppsAndDesktopClients', label: 'Mobile apps and desktop clients' },
                ]}
                value={input.clientAppType}
                onChange={(v) => set('clientAppType', (v ?? 'browser') as WhatIfRequest['clientAppType'])}
              />
              <TextInput label="IP address" description="Its country comes from the offline GeoIP database" value={input.ipAddress} onChange={(e) => set('ipAddress', e.currentTarget.value)} />
              <Select label="Country" description="Overrides the country of the IP address" data={COUNTRIES} value={input.country || null} onChange={(v) => set('country', v ?? '')} searchable clearable />
              <Select label="Sign-in risk" data={RISKS} value={input.signInRiskLevel} onChange={(v) => set('signInRiskLevel', (v ?? 'none') as RiskLevel)} />
              <Select label="User risk" data={RISKS} value={input.userRiskLevel} onChange={(v) => set('userRiskLevel', (v ?? 'none') as RiskLevel)} />
            </SimpleGrid>
            <Checkbox label="The partner vouches for a compliant device" checked={input.isCompliant} onChange={(e) => set('isCompliant', e.currentTarget.checked)} />
            <Group>
              <Button type="submit" disabled={!user} loading={whatIf.isPending}>
                What if
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <ErrorAlert error={whatIf.error} title="Could not evaluate" />
      {whatIf.data && <WhatIfResult answer={whatIf.data} locationName={locationName} />}
    </Stack>
  );
}

function Decision({ decision }: { decision: WhatIfAnswer['@gatehouse.decision'] }) {
  if (decision.outcome === 'block') {
    return (
      <Alert color="red" title="Blocked" role="status" data-testid="what-if-decision">
        An enforced policy blocks this sign-in.
      </Alert>
    );
  }
  if (decision.outcome === 'interrupt') {
    return (
      <Alert color="yellow" title="Granted after more steps" role="status" data-testid="what-if-decision">
        The user must complete: {decision.required.map((r) => REQUIREMENT_LABELS[r] ?? r.replace(/^termsOfUse:/, 'terms of use ')).join(', ')}.
      </Alert>
    );
  }
  return (
    <Alert color="green" title="Allowed" role="status" data-testid="what-if-decision">
      {decision.excludedAsEmergencyAccess ? 'An emergency-access account left out of Conditional Access.' : decision.conditionalAccessStatus === 'notApplied' ? 'No enforced policy applies.' : 'Every enforced policy that applies is satisfied.'}
    </Alert>
  );
}

function WhatIfResult({ answer, locationName }: { answer: WhatIfAnswer; locationName: (id: string) => string }) {
  const decision = answer['@gatehouse.decision'];
  const signIn = decision.signIn;
  const where = signIn.location;
  return (
    <Stack>
      <Decision decision={decision} />
      <Text size="sm" c="dimmed">
        {signIn.userType}
        {signIn.externalUserKind ? ` (${signIn.externalUserKind})` : ''} · platform {signIn.platform ?? 'unknown'} · {signIn.clientAppType} · {where.countryOrRegion ? `${where.city ? `${where.city}, ` : ''}${where.countryOrRegion}` : 'country unknown'}
        {where.matchedLocationIds.length > 0 ? ` · in ${where.matchedLocationIds.map(locationName).join(', ')}` : ''}
        {where.isTrusted ? ' (trusted)' : ''}
      </Text>
      <Table aria-label="Policy evaluation">
        <TableHead columns={['Policy', 'Applies', 'Result', 'Why']} />
        <Table.Tbody>
          {decision.policies.map((policy) => {
            const applies = policy.analysisReasons === 'notSet';
            return (
              <Table.Tr key={policy.id}>
                <Table.Td>{policy.displayName}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={applies ? 'blue' : 'gray'}>
                    {applies ? 'Applies' : 'Does not apply'}
                  </Badge>
                </Table.Td>
                <Table.Td>{policy.result}</Table.Td>
                <Table.Td>
                  {!applies && (
                    <Text size="sm" fw={500}>
                      {policy.analysisReasons.split(',').map((r) => WHY_NOT[r] ?? r).join('; ')}
                    </Text>
                  )}
                  <Text size="xs" c="dimmed">
                    {policy.reasons.join(' · ')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {decision.policies.length === 0 && (
        <Text c="dimmed" ta="center">
          There are no Conditional Access policies.
        </Text>
      )}
    </Stack>
  );
}
