import { Badge, Button, Table } from '@mantine/core';
import { Fragment, useState } from 'react';
import type { DirectoryAudit } from '../api/types.ts';
import { AuditDetails } from './audit-details.tsx';
import { DateTime } from './status-badges.tsx';
import { TableHead } from './table-head.tsx';

const COLUMNS = 7;

function initiator(event: DirectoryAudit): string {
  const user = event.initiatedBy?.user;
  if (user) return user.displayName || user.userPrincipalName || user.id || '';
  const app = event.initiatedBy?.app;
  if (app) return app.displayName || app.appId || '';
  return '';
}

function targets(event: DirectoryAudit): string {
  return (event.targetResources ?? [])
    .map((t) => t.displayName || t.userPrincipalName || t.id || '')
    .filter(Boolean)
    .join(', ');
}

function ResultBadge({ result }: { result: string | null }) {
  if (!result) return null;
  const color = result === 'success' ? 'green' : result === 'failure' ? 'red' : 'gray';
  return (
    <Badge variant="light" color={color} styles={{ root: { flexShrink: 0 }, label: { overflow: "visible", textOverflow: "clip" } }}>
      {result}
    </Badge>
  );
}

/** Audit events, newest first as the server sent them; each row expands to show what changed. */
export function AuditTable({ events }: { events: DirectoryAudit[] }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Table.ScrollContainer minWidth={860}>
      <Table aria-label="Audit log" highlightOnHover>
        <TableHead columns={['Details', 'Date', 'Activity', 'Category', 'Initiated by', 'Target', 'Result']} widths={[90]} />
        <Table.Tbody>
          {events.map((event) => {
            const open = expanded.has(event.id);
            const detailsId = `audit-details-${event.id}`;
            return (
              <Fragment key={event.id}>
                <Table.Tr data-testid="audit-row">
                  <Table.Td>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      aria-expanded={open}
                      aria-controls={open ? detailsId : undefined}
                      aria-label={`${open ? 'Hide' : 'Show'} details of ${event.activityDisplayName}`}
                      onClick={() => toggle(event.id)}
                    >
                      {open ? '▾ Hide' : '▸ Show'}
                    </Button>
                  </Table.Td>
                  <Table.Td>
                    <DateTime value={event.activityDateTime} />
                  </Table.Td>
                  <Table.Td>{event.activityDisplayName}</Table.Td>
                  <Table.Td>{event.category}</Table.Td>
                  <Table.Td>{initiator(event)}</Table.Td>
                  <Table.Td>{targets(event)}</Table.Td>
                  <Table.Td>
                    <ResultBadge result={event.result} />
                  </Table.Td>
                </Table.Tr>
                {open && (
                  <Table.Tr id={detailsId}>
                    <Table.Td colSpan={COLUMNS} bg="gray.0">
                      <AuditDetails event={event} />
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
