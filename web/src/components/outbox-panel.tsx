import { Anchor, Button, Code, Group, Loader, Modal, Select, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { mailOutboxFirstPageUrl, useMailOutbox, type MailKind, type MailStatus, type OutboxMessage } from '../api/invitations.ts';
import { usePageStack } from '../hooks/use-page-stack.ts';
import { ErrorAlert } from './error-alert.tsx';
import { MAIL_KIND_LABELS, MAIL_STATUS_LABELS, MailStatusBadge, mailKindLabel } from './invitation-badges.tsx';
import { Pager } from './pager.tsx';
import { DateTime } from './status-badges.tsx';
import { TableHead } from './table-head.tsx';

const PAGE_SIZE = 25;
const ALL = 'all';

const optionsOf = (labels: Record<string, string>, allLabel: string) => [
  { value: ALL, label: allLabel },
  ...Object.entries(labels).map(([value, label]) => ({ value, label })),
];
const STATUS_OPTIONS = optionsOf(MAIL_STATUS_LABELS, 'All statuses');
const KIND_OPTIONS = optionsOf(MAIL_KIND_LABELS, 'All kinds');

/** Mail Gatehouse has sent or still has to send, with each message's text for forwarding by hand. */
export function OutboxPanel() {
  const [status, setStatus] = useState<string>(ALL);
  const [kind, setKind] = useState<string>(ALL);
  const pages = usePageStack(
    mailOutboxFirstPageUrl(
      {
        status: status === ALL ? undefined : (status as MailStatus),
        kind: kind === ALL ? undefined : (kind as MailKind),
      },
      PAGE_SIZE,
    ),
  );
  const outbox = useMailOutbox(pages.url);
  const [reading, setReading] = useState<OutboxMessage | null>(null);
  const rows = outbox.data?.value ?? [];

  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Gatehouse delivers these messages through the configured SMTP server; without one, they stay here marked
        “Not sent” for an administrator to forward.
      </Text>
      <Group justify="space-between" align="flex-end">
        <SimpleGrid cols={{ base: 1, sm: 2 }} style={{ flex: 1 }}>
          <Select
            label="Delivery status"
            data={STATUS_OPTIONS}
            allowDeselect={false}
            value={status}
            onChange={(value) => setStatus(value ?? ALL)}
          />
          <Select
            label="Kind"
            data={KIND_OPTIONS}
            allowDeselect={false}
            value={kind}
            onChange={(value) => setKind(value ?? ALL)}
          />
        </SimpleGrid>
        <Button variant="default" onClick={() => outbox.refetch()} loading={outbox.isFetching}>
          Refresh
        </Button>
      </Group>
      <ErrorAlert error={outbox.error} title="Could not load the outbox" />
      <Table.ScrollContainer minWidth={900}>
        <Table highlightOnHover aria-label="Outbox">
          <TableHead columns={['To', 'Subject', 'Kind', 'Status', 'Attempts', 'Last error', 'Created']} />
          <Table.Tbody>
            {rows.map((message) => (
              <Table.Tr key={message.id}>
                <Table.Td>{message.toRecipients.join(', ')}</Table.Td>
                <Table.Td>
                  {/* The subject opens the message: a button, since it shows content rather than navigating. */}
                  <Anchor component="button" type="button" size="sm" onClick={() => setReading(message)}>
                    {message.subject}
                  </Anchor>
                </Table.Td>
                <Table.Td>{mailKindLabel(message.kind)}</Table.Td>
                <Table.Td>
                  <MailStatusBadge status={message.status} />
                </Table.Td>
                <Table.Td>{message.attempts}</Table.Td>
                <Table.Td>
                  <Text size="sm" c={message.lastError ? 'red' : undefined} style={{ wordBreak: 'break-word' }}>
                    {message.lastError ?? ''}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <DateTime value={message.createdDateTime} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {outbox.isPending && (
        <Group justify="center">
          <Loader aria-label="Loading the outbox" />
        </Group>
      )}
      {outbox.isSuccess && rows.length === 0 && (
        <Text c="dimmed" ta="center">
          {status !== ALL || kind !== ALL ? 'No messages match these filters.' : 'No mail yet.'}
        </Text>
      )}
      <Pager
        pageIndex={pages.pageIndex}
        pageSize={PAGE_SIZE}
        shown={rows.length}
        hasPrevious={pages.hasPrevious}
        nextLink={outbox.data?.['@odata.nextLink']}
        onPrevious={pages.previous}
        onNext={pages.next}
        busy={outbox.isFetching}
      />
      <MessageModal message={reading} onClose={() => setReading(null)} />
    </Stack>
  );
}

function MessageModal({ message, onClose }: { message: OutboxMessage | null; onClose: () => void }) {
  return (
    <Modal opened={message !== null} onClose={onClose} title={message?.subject ?? ''} size="lg" centered>
      {message && (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            <Text size="sm">
              <Text span c="dimmed">
                To:{' '}
              </Text>
              {message.toRecipients.join(', ')}
            </Text>
            {message.ccRecipients.length > 0 && (
              <Text size="sm">
                <Text span c="dimmed">
                  Cc:{' '}
                </Text>
                {message.ccRecipients.join(', ')}
              </Text>
            )}
            <Group gap="xs">
              <MailStatusBadge status={message.status} />
              {message.sentDateTime && (
                <Text size="sm" c="dimmed">
                  sent <DateTime value={message.sentDateTime} />
                </Text>
              )}
            </Group>
          </SimpleGrid>
          <Code block data-testid="message-body" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
            {message.body}
          </Code>
        </Stack>
      )}
    </Modal>
  );
}
