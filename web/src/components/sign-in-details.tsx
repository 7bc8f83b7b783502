import { Alert, Badge, Code, Drawer, List, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useSignIn, type SignIn } from '../api/sign-ins.ts';
import { ErrorAlert } from './error-alert.tsx';
import { Fact } from './fact.tsx';
import { ConditionalAccessBadge, locationText, RiskBadge, SignInStatusBadge } from './sign-in-table.tsx';
import { DateTime } from './status-badges.tsx';
import { TableHead } from './table-head.tsx';

/** The drawer that explains one sign-in: outcome, each policy's result and reasons, risk, device, place, factors. */
export function SignInDetailsDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const signIn = useSignIn(id);
  return (
    <Drawer opened={id !== null} onClose={onClose} position="right" size="xl" title="Sign-in details">
      {signIn.isPending && id !== null && <Loader size="sm" aria-label="Loading the sign-in" />}
      <ErrorAlert error={signIn.error} title="Could not load the sign-in" />
      {signIn.data && <SignInDetails signIn={signIn.data} />}
    </Drawer>
  );
}

/** Graph's policy results in words; the raw value stays in the badge's title. */
const RESULTS: Record<string, { label: string; color: string }> = {
  success: { label: 'Success', color: 'green' },
  failure: { label: 'Failure', color: 'red' },
  notApplied: { label: 'Not applied', color: 'gray' },
  notEnabled: { label: 'Not enabled', color: 'gray' },
  unknown: { label: 'Unknown', color: 'gray' },
  reportOnlySuccess: { label: 'Report-only: success', color: 'teal' },
  reportOnlyFailure: { label: 'Report-only: failure', color: 'orange' },
  reportOnlyNotApplied: { label: 'Report-only: not applied', color: 'gray' },
  reportOnlyInterrupted: { label: 'Report-only: interrupted', color: 'yellow' },
};

function PolicyResultBadge({ result }: { result: string }) {
  const shown = RESULTS[result] ?? { label: result, color: 'gray' };
  return (
    <Badge variant="light" color={shown.color} title={result} styles={{ root: { flexShrink: 0, maxWidth: 'none' }, label: { overflow: 'visible', textOverflow: 'clip' } }}>
      {shown.label}
    </Badge>
  );
}

export function SignInDetails({ signIn }: { signIn: SignIn }) {
  const failed = signIn.status.errorCode !== 0;
  return (
    <Stack gap="md" data-testid="sign-in-details">
      <section aria-label="Outcome">
        <Alert color={failed ? 'red' : 'green'} title={failed ? `Failed (error ${signIn.status.errorCode})` : 'Succeeded'}>
          {signIn.status.failureReason ?? (failed ? 'No reason recorded.' : 'The user signed in.')}
          {signIn.status.additionalDetails && (
            <Text size="sm" mt={4}>
              {signIn.status.additionalDetails}
            </Text>
          )}
        </Alert>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt="sm">
          <Fact label="Date">
            <DateTime value={signIn.createdDateTime} />
          </Fact>
          <Fact label="User">
            {signIn.userDisplayName ?? '—'} ({signIn.userPrincipalName}){signIn.userType ? ` · ${signIn.userType}` : ' · no matching account'}
          </Fact>
          <Fact label="Application">{signIn.appDisplayName}</Fact>
          <Fact label="Status">
            <SignInStatusBadge signIn={signIn} />
          </Fact>
          <Fact label="IP address">{signIn.ipAddress ?? '—'}</Fact>
          <Fact label="Client app">
            {signIn.clientAppUsed} {signIn.isInteractive ? '(interactive)' : '(non-interactive)'}
          </Fact>
          <Fact label="Home tenant">{signIn.homeTenantId ?? '—'}</Fact>
          <Fact label="Correlation id">{signIn.correlationId ? <Code>{signIn.correlationId}</Code> : '—'}</Fact>
        </SimpleGrid>
      </section>

      <section aria-label="Conditional Access">
        <Title order={5}>
          Conditional Access <ConditionalAccessBadge status={signIn.conditionalAccessStatus} />
        </Title>
        {signIn.appliedConditionalAccessPolicies.length === 0 ? (
          <Text size="sm" c="dimmed">
            No policy was evaluated.
          </Text>
        ) : (
          <Table withTableBorder mt={4} aria-label="Conditional Access policies">
            <TableHead columns={['Policy', 'Result', 'Controls', 'Why']} />
            <Table.Tbody>
              {signIn.appliedConditionalAccessPolicies.map((policy) => (
                <Table.Tr key={policy.id}>
                  <Table.Td>{policy.displayName}</Table.Td>
                  <Table.Td>
                    <PolicyResultBadge result={policy.result} />
                  </Table.Td>
                  <Table.Td>{[...policy.enforcedGrantControls, ...policy.enforcedSessionControls].join(', ') || '—'}</Table.Td>
                  <Table.Td>
                    {(policy.reasons ?? []).length ? (
                      <List size="sm">
                        {(policy.reasons ?? []).map((reason, i) => (
                          <List.Item key={i}>{reason}</List.Item>
                        ))}
                      </List>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </section>

      <section aria-label="Risk">
        <Title order={5}>
          Risk <RiskBadge level={signIn.riskLevelDuringSignIn} />
        </Title>
        {(signIn.riskReasons ?? []).length > 0 ? (
          <List size="sm" mt={4}>
            {(signIn.riskReasons ?? []).map((reason, i) => (
              <List.Item key={i}>
                <Code>{reason.type}</Code> {reason.detail}
              </List.Item>
            ))}
          </List>
        ) : (
          <Text size="sm" c="dimmed">
            No risk signal.
          </Text>
        )}
      </section>

      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <section aria-label="Device">
          <Title order={5}>Device</Title>
          <Fact label="Browser">{signIn.deviceDetail.browser ?? '—'}</Fact>
          <Fact label="Operating system">{signIn.deviceDetail.operatingSystem ?? '—'}</Fact>
          <Fact label="Compliant">{signIn.deviceDetail.isCompliant ? 'Yes' : 'No'}</Fact>
        </section>
        <section aria-label="Location">
          <Title order={5}>Location</Title>
          <Fact label="Place">{locationText(signIn.location)}</Fact>
          <Fact label="Coordinates">
            {signIn.location.geoCoordinates?.latitude != null && signIn.location.geoCoordinates.longitude != null
              ? `${signIn.location.geoCoordinates.latitude}, ${signIn.location.geoCoordinates.longitude}`
              : '—'}
          </Fact>
        </section>
      </SimpleGrid>

      <section aria-label="Authentication">
        <Title order={5}>Authentication</Title>
        <Text size="sm">
          {signIn.authenticationRequirement === 'multiFactorAuthentication' ? 'Multifactor authentication required' : 'Single-factor authentication'}
        </Text>
        {signIn.authenticationDetails.length > 0 && (
          <Table withTableBorder mt={4} aria-label="Authentication details">
            <TableHead columns={['Method', 'Result', 'When', 'Detail']} />
            <Table.Tbody>
              {signIn.authenticationDetails.map((step, i) => (
                <Table.Tr key={i}>
                  <Table.Td>{step.authenticationMethod}</Table.Td>
                  <Table.Td>{step.succeeded ? 'Succeeded' : 'Failed'}</Table.Td>
                  <Table.Td>
                    <DateTime value={step.authenticationStepDateTime} />
                  </Table.Td>
                  <Table.Td>{step.authenticationStepResultDetail ?? step.authenticationMethodDetail ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </section>
    </Stack>
  );
}
