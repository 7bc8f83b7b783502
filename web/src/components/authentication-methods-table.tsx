import { Button, Table, Text, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import { METHOD_TYPES, methodKindLabel, type AuthenticationMethod } from '../api/security-info.ts';
import { DateTime } from './status-badges.tsx';
import { TableHead } from './table-head.tsx';

interface AuthenticationMethodsTableProps {
  /** The table's accessible name. */
  label: string;
  methods: AuthenticationMethod[];
  /** The row button's text, and the start of its accessible name ("Remove Passkey YubiKey"). */
  actionLabel: string;
  /** Which methods get the button. */
  canAct: (method: AuthenticationMethod) => boolean;
  onAct: (method: AuthenticationMethod) => void;
  /** Shown in a full-width row when there are no methods; without it, the table body stays empty. */
  empty?: ReactNode;
}

/** Sign-in methods (kind, name or recovery codes left, added, last used) with one action a row: the user's own list and an administrator's. */
export function AuthenticationMethodsTable({ label, methods, actionLabel, canAct, onAct, empty }: AuthenticationMethodsTableProps) {
  return (
    <Table aria-label={label} verticalSpacing="xs">
      <TableHead columns={['Method', 'Name', 'Added', 'Last used', <VisuallyHidden>Actions</VisuallyHidden>]} />
      <Table.Tbody>
        {methods.map((method) => (
          <Table.Tr key={method.id}>
            <Table.Td>{methodKindLabel(method['@odata.type'])}</Table.Td>
            <Table.Td>{method['@odata.type'] === METHOD_TYPES.recoveryCodes ? `${method.codesLeft ?? 0} of 10 left` : (method.displayName ?? '—')}</Table.Td>
            <Table.Td>
              <DateTime value={method.createdDateTime} />
            </Table.Td>
            <Table.Td>
              <DateTime value={method.lastUsedDateTime} />
            </Table.Td>
            <Table.Td>
              {canAct(method) && (
                <Button size="compact-xs" variant="subtle" color="red" aria-label={`${actionLabel} ${methodKindLabel(method['@odata.type'])} ${method.displayName ?? ''}`.trim()} onClick={() => onAct(method)}>
                  {actionLabel}
                </Button>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
        {empty !== undefined && methods.length === 0 && (
          <Table.Tr>
            <Table.Td colSpan={5}>
              <Text size="sm" c="dimmed">
                {empty}
              </Text>
            </Table.Td>
          </Table.Tr>
        )}
      </Table.Tbody>
    </Table>
  );
}

/** "passkey", "authenticator app", … for confirmation messages. */
export function methodKindNoun(method: AuthenticationMethod): string {
  return methodKindLabel(method['@odata.type']).toLowerCase();
}
