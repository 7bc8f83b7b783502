import { Anchor, Badge, Button, Menu, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { ApiError } from '../api/client.ts';
import { useDeletePolicy, usePolicies, type ConditionalAccessPolicy, type PolicyBody } from '../api/conditional-access.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { PolicyEditor } from '../components/ca-policy-editor.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { EditDeleteButtons, ResourceTable } from '../components/resource-table.tsx';
import { bodyOf, emptyPolicy, STATE_COLORS, STATE_LABELS, summariseControls, summariseUsers, TEMPLATES } from '../components/ca-policy-values.ts';
import { useConfirmMutation } from '../hooks/use-confirm-mutation.ts';
import { useModalState } from '../hooks/use-modal-state.ts';

interface Editing {
  policyId: string | null;
  initial: PolicyBody;
}

export function ConditionalAccessPage() {
  const policies = usePolicies();
  const remove = useDeletePolicy();
  const editing = useModalState<Editing>({ policyId: null, initial: emptyPolicy() });
  const confirmNeeded = remove.error instanceof ApiError && remove.error.innerCode === 'ADMIN_LOCKOUT_CONFIRMATION_REQUIRED';
  const deleting = useConfirmMutation(remove, (policy: ConditionalAccessPolicy) => ({ id: policy.id, confirmLockoutRisk: confirmNeeded }));

  return (
    <Stack>
      <PageHeader
        title="Conditional Access"
        description={
          <>
            Who must do what to sign in, from where, to which application. New policies start in report-only mode: check the{' '}
            <Anchor component={Link} to="/what-if">
              what-if
            </Anchor>{' '}
            answers and the sign-in log before turning them on.
          </>
        }
        action={
          <Menu position="bottom-end">
            <Menu.Target>
              <Button>New policy</Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => editing.open({ policyId: null, initial: emptyPolicy() })}>Blank policy</Menu.Item>
              <Menu.Label>From a template</Menu.Label>
              {TEMPLATES.map((template) => (
                <Menu.Item key={template.name} onClick={() => editing.open({ policyId: null, initial: template.build() })}>
                  <Text size="sm">{template.name}</Text>
                  <Text size="xs" c="dimmed">
                    {template.description}
                  </Text>
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        }
      />
      <ResourceTable
        query={policies}
        label="Conditional Access policies"
        errorTitle="Could not load the policies"
        loadingLabel="Loading policies"
        minWidth={800}
        columns={['Name', 'State', 'Users', 'Controls', 'Modified', 'Actions']}
        empty="No policies yet: every sign-in is allowed once its first factor is right. Start from a template."
        row={(policy) => (
          <Table.Tr key={policy.id}>
            <Table.Td>{policy.displayName}</Table.Td>
            <Table.Td>
              <Badge variant="light" color={STATE_COLORS[policy.state]}>
                {STATE_LABELS[policy.state]}
              </Badge>
            </Table.Td>
            <Table.Td>{summariseUsers(policy)}</Table.Td>
            <Table.Td>{summariseControls(policy)}</Table.Td>
            <Table.Td>{new Date(policy.modifiedDateTime).toLocaleString()}</Table.Td>
            <Table.Td>
              <EditDeleteButtons name={policy.displayName} onEdit={() => editing.open({ policyId: policy.id, initial: bodyOf(policy) })} onDelete={() => deleting.ask(policy)} />
            </Table.Td>
          </Table.Tr>
        )}
      />
      <PolicyEditor opened={editing.opened} policyId={editing.value.policyId} initial={editing.value.initial} onClose={editing.close} />
      <ConfirmModal
        {...deleting.modalProps}
        title={confirmNeeded ? 'Only emergency-access accounts could still sign in' : 'Delete policy'}
        message={confirmNeeded ? (remove.error as Error).message : `Delete the policy ${deleting.target?.displayName ?? ''}? Its conditions and controls no longer apply from the next sign-in.`}
        confirmLabel={confirmNeeded ? 'Delete anyway' : 'Delete'}
        error={confirmNeeded ? undefined : remove.error}
      />
    </Stack>
  );
}
