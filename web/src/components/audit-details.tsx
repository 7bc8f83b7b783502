import { Code, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { DirectoryAudit, TargetResource } from '../api/types.ts';
import { Fact } from './fact.tsx';
import { TableHead } from './table-head.tsx';

/** The expanded part of an audit row: who, what changed on which object, and the correlation data. */
export function AuditDetails({ event }: { event: DirectoryAudit }) {
  const user = event.initiatedBy?.user;
  const app = event.initiatedBy?.app;
  return (
    <Stack gap="sm" py="xs" data-testid="audit-details">
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
        <Fact label="Initiated by">
          {user ? `${user.displayName ?? ''} ${user.userPrincipalName ? `(${user.userPrincipalName})` : ''}` : null}
          {app ? `${app.displayName ?? app.appId ?? ''} (app)` : null}
          {!user && !app ? '—' : null}
        </Fact>
        <Fact label="IP address">{user?.ipAddress ?? '—'}</Fact>
        <Fact label="Operation type">{event.operationType ?? '—'}</Fact>
        <Fact label="Result reason">{event.resultReason || '—'}</Fact>
        <Fact label="Correlation id">{event.correlationId ? <Code>{event.correlationId}</Code> : '—'}</Fact>
        <Fact label="Logged by">{event.loggedByService ?? '—'}</Fact>
      </SimpleGrid>
      {(event.targetResources ?? []).map((target, index) => (
        <TargetDetails key={`${target.id ?? ''}-${index}`} target={target} />
      ))}
      {(event.additionalDetails ?? []).length > 0 && (
        <div>
          <Title order={5}>Additional details</Title>
          <Table withTableBorder aria-label="Additional details">
            <Table.Tbody>
              {(event.additionalDetails ?? []).map((d, i) => (
                <Table.Tr key={`${d.key}-${i}`}>
                  <Table.Th w="30%">{d.key}</Table.Th>
                  <Table.Td>{d.value ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Stack>
  );
}

function TargetDetails({ target }: { target: TargetResource }) {
  const changes = target.modifiedProperties ?? [];
  return (
    <div>
      <Title order={5}>
        {target.type ?? 'Target'}: {target.displayName ?? target.userPrincipalName ?? target.id ?? '—'}
      </Title>
      <Text size="xs" c="dimmed">
        {target.userPrincipalName ? `${target.userPrincipalName} · ` : ''}id {target.id ?? '—'}
      </Text>
      {changes.length > 0 && (
        <Table withTableBorder mt={4} aria-label="Modified properties">
          <TableHead columns={['Property', 'Old value', 'New value']} />
          <Table.Tbody>
            {changes.map((change, i) => (
              <Table.Tr key={`${change.displayName ?? ''}-${i}`}>
                <Table.Td>{change.displayName}</Table.Td>
                <Table.Td style={{ wordBreak: 'break-all' }}>{change.oldValue ?? ''}</Table.Td>
                <Table.Td style={{ wordBreak: 'break-all' }}>{change.newValue ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </div>
  );
}
