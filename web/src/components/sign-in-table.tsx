import { Badge, Button, Table, Text } from '@mantine/core';
import type { SignIn } from '../api/sign-ins.ts';
import { DateTime } from './status-badges.tsx';
import { TableHead } from './table-head.tsx';

const NO_SHRINK = { root: { flexShrink: 0 }, label: { overflow: 'visible', textOverflow: 'clip' } } as const;

export function SignInStatusBadge({ signIn }: { signIn: Pick<SignIn, 'status'> }) {
  const ok = signIn.status.errorCode === 0;
  return (
    <Badge variant="light" color={ok ? 'green' : 'red'} styles={NO_SHRINK}>
      {ok ? 'Success' : `Failure ${signIn.status.errorCode}`}
    </Badge>
  );
}

const CA_LABELS: Record<string, { label: string; color: string }> = {
  success: { label: 'Success', color: 'green' },
  failure: { label: 'Failure', color: 'red' },
  notApplied: { label: 'Not applied', color: 'gray' },
};

export function ConditionalAccessBadge({ status }: { status: string }) {
  const shown = CA_LABELS[status] ?? { label: status, color: 'gray' };
  return (
    <Badge variant="light" color={shown.color} styles={NO_SHRINK}>
      {shown.label}
    </Badge>
  );
}

const RISK_COLORS: Record<string, string> = { none: 'gray', low: 'yellow', medium: 'orange', high: 'red', hidden: 'gray' };

export function RiskBadge({ level }: { level: string }) {
  if (level === 'none') return <Text size="sm" c="dimmed">None</Text>;
  return (
    <Badge variant="light" color={RISK_COLORS[level] ?? 'gray'} styles={NO_SHRINK}>
      {level}
    </Badge>
  );
}

export function locationText(location: SignIn['location']): string {
  return [location.city, location.countryOrRegion].filter(Boolean).join(', ') || '—';
}

/** Sign-ins, newest first as the server sent them; "Details" opens the drawer that explains one. */
export function SignInTable({ signIns, onOpen }: { signIns: SignIn[]; onOpen: (id: string) => void }) {
  return (
    <Table.ScrollContainer minWidth={980}>
      <Table aria-label="Sign-in log" highlightOnHover>
        <TableHead columns={['Details', 'Date', 'User', 'Application', 'Status', 'Conditional Access', 'IP address', 'Location', 'Risk']} widths={[90]} />
        <Table.Tbody>
          {signIns.map((signIn) => (
            <Table.Tr key={signIn.id} data-testid="sign-in-row">
              <Table.Td>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  aria-label={`Details of the sign-in by ${signIn.userPrincipalName} at ${signIn.createdDateTime}`}
                  onClick={() => onOpen(signIn.id)}
                >
                  Details
                </Button>
              </Table.Td>
              <Table.Td>
                <DateTime value={signIn.createdDateTime} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{signIn.userDisplayName ?? signIn.userPrincipalName}</Text>
                <Text size="xs" c="dimmed">
                  {signIn.userPrincipalName}
                  {signIn.userType === 'guest' ? ' · guest' : ''}
                </Text>
              </Table.Td>
              <Table.Td>{signIn.appDisplayName}</Table.Td>
              <Table.Td>
                <SignInStatusBadge signIn={signIn} />
              </Table.Td>
              <Table.Td>
                <ConditionalAccessBadge status={signIn.conditionalAccessStatus} />
              </Table.Td>
              <Table.Td>{signIn.ipAddress ?? '—'}</Table.Td>
              <Table.Td>{locationText(signIn.location)}</Table.Td>
              <Table.Td>
                <RiskBadge level={signIn.riskLevelDuringSignIn} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
