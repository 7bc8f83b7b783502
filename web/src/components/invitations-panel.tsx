import { Anchor, Button, Group, Loader, Select, SimpleGrid, Stack, Table, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import {
  invitationsFirstPageUrl,
  useCreateInvitation,
  useInvitations,
  type CreatedInvitation,
  type InvitationStatus,
  type ListedInvitation,
} from '../api/invitations.ts';
import { usePageStack } from '../hooks/use-page-stack.ts';
import { ErrorAlert } from './error-alert.tsx';
import { INVITATION_STATUS_LABELS, InvitationStatusBadge } from './invitation-badges.tsx';
import { InvitationLinkAlert, type InvitationAction } from './invitation-link-alert.tsx';
import { NewInvitationModal } from './new-invitation-modal.tsx';
import { Pager } from './pager.tsx';
import { ResetRedemptionModal } from './reset-redemption-modal.tsx';
import { ResourceTable } from './resource-table.tsx';
import { DateTime } from './status-badges.tsx';

const PAGE_SIZE = 25;
const ALL = 'all';

const STATUS_OPTIONS = [
  { value: ALL, label: 'All statuses' },
  ...(Object.entries(INVITATION_STATUS_LABELS) as [InvitationStatus, string][]).map(([value, label]) => ({ value, label })),
];

/** Invitations with filters, paging, "New invitation", and per-row Resend / Reset redemption. */
export function InvitationsPanel() {
  const [status, setStatus] = useState<string>(ALL);
  const [search, setSearch] = useState('');
  const [term] = useDebouncedValue(search, 300);
  const pages = usePageStack(
    invitationsFirstPageUrl({ status: status === ALL ? undefined : (status as InvitationStatus), email: term }, PAGE_SIZE),
  );
  const invitations = useInvitations(pages.url);
  const resend = useCreateInvitation();
  const [modalOpened, modal] = useDisclosure(false);
  const [resetting, setResetting] = useState<ListedInvitation | null>(null);
  const [result, setResult] = useState<{ action: InvitationAction; invitation: CreatedInvitation } | null>(null);
  const rows = invitations.data?.value ?? [];

  const onResend = (row: ListedInvitation) => {
    setResult(null);
    resend.mutate(
      {
        invitedUserEmailAddress: row.invitedUserEmailAddress,
        inviteRedirectUrl: row.inviteRedirectUrl,
        invitedUserDisplayName: row.invitedUserDisplayName,
        invitedUserType: row.invitedUserType,
        sendInvitationMessage: true,
        ...(row.invitedUserMessageInfo ? { invitedUserMessageInfo: row.invitedUserMessageInfo } : {}),
      },
      { onSuccess: (invitation) => setResult({ action: 'resent', invitation }) },
    );
  };
  const resendingEmail = resend.isPending ? resend.variables?.invitedUserEmailAddress : undefined;

  return (
    <Stack>
      {result && (
        <InvitationLinkAlert action={result.action} invitation={result.invitation} onClose={() => setResult(null)} />
      )}
      <ErrorAlert error={resend.error} title="Could not resend the invitation" />
      <Group justify="space-between" align="flex-end">
        <SimpleGrid cols={{ base: 1, sm: 2 }} style={{ flex: 1 }}>
          <Select
            label="Status"
            data={STATUS_OPTIONS}
            allowDeselect={false}
            value={status}
            onChange={(value) => setStatus(value ?? ALL)}
          />
          <TextInput
            label="Search by email"
            placeholder="Address starts with…"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            rightSection={invitations.isFetching ? <Loader size="xs" aria-label="Loading invitations" /> : null}
          />
        </SimpleGrid>
        <Button
          onClick={() => {
            resend.reset();
            modal.open();
          }}
        >
          New invitation
        </Button>
      </Group>
      <ResourceTable
        query={invitations}
        label="Invitations"
        errorTitle="Could not load invitations"
        minWidth={900}
        columns={['Email', 'Display name', 'Status', 'Created', 'Expires', 'Redeemed', 'Actions']}
        empty={term || status !== ALL ? 'No invitations match these filters.' : 'No invitations yet.'}
        row={(row) => (
          <Table.Tr key={row.id}>
            <Table.Td>
              <Anchor component={Link} to={`/users/${encodeURIComponent(row.invitedUser.id)}`}>
                {row.invitedUserEmailAddress}
              </Anchor>
            </Table.Td>
            <Table.Td>{row.invitedUserDisplayName ?? ''}</Table.Td>
            <Table.Td>
              <InvitationStatusBadge status={row.status} />
            </Table.Td>
            <Table.Td>
              <DateTime value={row.createdDateTime} />
            </Table.Td>
            <Table.Td>
              <DateTime value={row.expirationDateTime} />
            </Table.Td>
            <Table.Td>
              <DateTime value={row.redeemedDateTime} />
            </Table.Td>
            <Table.Td>
              {row.status === 'PendingAcceptance' && (
                <Button
                  size="compact-sm"
                  variant="default"
                  loading={resendingEmail === row.invitedUserEmailAddress}
                  disabled={resend.isPending}
                  onClick={() => onResend(row)}
                >
                  Resend
                </Button>
              )}
              {row.status === 'Completed' && (
                <Button size="compact-sm" variant="default" onClick={() => setResetting(row)}>
                  Reset redemption
                </Button>
              )}
            </Table.Td>
          </Table.Tr>
        )}
      />
      <Pager
        pageIndex={pages.pageIndex}
        pageSize={PAGE_SIZE}
        shown={rows.length}
        hasPrevious={pages.hasPrevious}
        nextLink={invitations.data?.['@odata.nextLink']}
        onPrevious={pages.previous}
        onNext={pages.next}
        busy={invitations.isFetching}
      />
      <NewInvitationModal
        opened={modalOpened}
        onClose={modal.close}
        onCreated={(invitation) => {
          modal.close();
          setResult({ action: 'invited', invitation });
        }}
      />
      <ResetRedemptionModal
        invitation={resetting}
        onClose={() => setResetting(null)}
        onReset={(invitation) => {
          setResetting(null);
          setResult({ action: 'reset', invitation });
        }}
      />
    </Stack>
  );
}
