import { Badge, Button, Checkbox, Code, Group, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import {
  alertKindLabel,
  useAcknowledgeEmergencyAccessAlert,
  useAddEmergencyAccessAccount,
  useEmergencyAccessAccounts,
  useEmergencyAccessAlerts,
  useRemoveEmergencyAccessAccount,
  useUpdateEmergencyAccessAccount,
  type EmergencyAccessAccount,
  type EmergencyAccessAlert,
} from '../api/emergency-access.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { DirectoryPicker, type PickedObject } from '../components/directory-picker.tsx';
import { EmergencyAccessSettingsForm } from '../components/emergency-access-settings-form.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { ResourceTable } from '../components/resource-table.tsx';
import { DateTime } from '../components/status-badges.tsx';
import { useConfirmMutation } from '../hooks/use-confirm-mutation.ts';

/**
 * Break-glass accounts: cloud-only members kept for when everything else fails. Every sign-in attempt with one
 * raises a critical alert (webhook, mail, the banner on every admin page); each should be tested (signed in
 * with) at least every 90 days, and is usually left out of Conditional Access so a bad policy cannot lock it out.
 */
export function EmergencyAccessPage() {
  return (
    <Stack gap="xl">
      <PageHeader
        title="Emergency access"
        description="Break-glass accounts for when normal administration is locked out. Every sign-in attempt with one raises a critical alert."
      />
      <AccountsSection />
      <AlertsSection />
      <EmergencyAccessSettingsForm />
    </Stack>
  );
}

function AccountsSection() {
  const accounts = useEmergencyAccessAccounts();
  const add = useAddEmergencyAccessAccount();
  const update = useUpdateEmergencyAccessAccount();
  const remove = useRemoveEmergencyAccessAccount();
  const [picked, setPicked] = useState<PickedObject | null>(null);
  const [exclude, setExclude] = useState(true);
  const removing = useConfirmMutation(remove, (account: EmergencyAccessAccount) => account.id);

  const onAdd = (event: FormEvent) => {
    event.preventDefault();
    if (!picked) return;
    add.mutate({ userId: picked.id, excludeFromConditionalAccess: exclude }, { onSuccess: () => setPicked(null) });
  };

  return (
    <Stack>
      <Title order={3}>Accounts</Title>
      <ResourceTable
        query={accounts}
        label="Emergency-access accounts"
        errorTitle="Could not load emergency-access accounts"
        notices={<ErrorAlert error={update.error} title="Could not change the account" />}
        loadingLabel="Loading emergency-access accounts"
        minWidth={800}
        variant="section"
        columns={['Account', 'Excluded from Conditional Access', 'Last sign-in', 'Validation', 'Actions']}
        empty="No emergency-access accounts. Keep two cloud-only accounts with strong credentials (ideally a passkey) for when everything else fails."
        row={(account) => (
          <Table.Tr key={account.id}>
            <Table.Td>
              <Text size="sm">{account.displayName}</Text>
              <Text size="xs" c="dimmed">
                {account.userPrincipalName}
              </Text>
            </Table.Td>
            <Table.Td>
              <Switch
                aria-label={`Exclude ${account.userPrincipalName} from Conditional Access`}
                checked={account.excludeFromConditionalAccess}
                disabled={update.isPending}
                onChange={(e) => update.mutate({ id: account.id, excludeFromConditionalAccess: e.currentTarget.checked })}
              />
            </Table.Td>
            <Table.Td>
              <DateTime value={account.lastSignInDateTime} />
            </Table.Td>
            <Table.Td>
              {account.validationDue ? (
                <Badge color="orange" variant="light" title="Not signed in with for 90 days: sign in with it to check it still works">
                  Validation due
                </Badge>
              ) : (
                <Badge color="green" variant="light">
                  Validated
                </Badge>
              )}
            </Table.Td>
            <Table.Td>
              <Button size="compact-sm" variant="subtle" color="red" aria-label={`Remove ${account.userPrincipalName}`} onClick={() => removing.ask(account)}>
                Remove
              </Button>
            </Table.Td>
          </Table.Tr>
        )}
      />
      <form onSubmit={onAdd} aria-label="Add an emergency-access account">
        <Group align="flex-end">
          <div style={{ flex: 1, maxWidth: 420 }}>
            <DirectoryPicker label="Add an account" placeholder="Search users" value={picked} onChange={setPicked} />
          </div>
          <Checkbox label="Exclude from Conditional Access" checked={exclude} onChange={(e) => setExclude(e.currentTarget.checked)} mb={8} />
          <Button type="submit" disabled={!picked} loading={add.isPending}>
            Add account
          </Button>
        </Group>
      </form>
      <ErrorAlert error={add.error} title="Account not added" />
      <ConfirmModal
        {...removing.modalProps}
        title="Remove emergency-access account"
        message={`Stop treating ${removing.target?.userPrincipalName ?? ''} as an emergency-access account? Its sign-ins no longer raise alerts, and Conditional Access applies to it again. The user account itself stays.`}
        confirmLabel="Remove"
      />
    </Stack>
  );
}

/** The details an alert carries, as short "key: value" text (never markup). */
function AlertDetails({ alert }: { alert: EmergencyAccessAlert }) {
  const entries = Object.entries(alert.details).filter(([, value]) => value !== null && value !== undefined && value !== '');
  if (entries.length === 0) return <>—</>;
  return (
    <Stack gap={0}>
      {entries.map(([name, value]) => (
        <Text key={name} size="xs">
          {name}: <Code>{typeof value === 'string' ? value : JSON.stringify(value)}</Code>
        </Text>
      ))}
    </Stack>
  );
}

function WebhookBadge({ alert }: { alert: EmergencyAccessAlert }) {
  const color = alert.webhookState === 'sent' ? 'green' : alert.webhookState === 'failed' ? 'red' : alert.webhookState === 'pending' ? 'yellow' : 'gray';
  return (
    <Badge color={color} variant="light" title={alert.webhookError ?? undefined}>
      {alert.webhookState === 'none' ? 'No webhook' : alert.webhookState}
    </Badge>
  );
}

function AlertsSection() {
  const alerts = useEmergencyAccessAlerts();
  const acknowledge = useAcknowledgeEmergencyAccessAlert();
  return (
    <Stack>
      <Title order={3}>Alerts</Title>
      <ResourceTable
        query={alerts}
        label="Emergency-access alerts"
        errorTitle="Could not load alerts"
        notices={<ErrorAlert error={acknowledge.error} title="Could not acknowledge the alert" />}
        loadingLabel="Loading alerts"
        minWidth={900}
        variant="section"
        columns={['Time', 'Account', 'Alert', 'Details', 'Webhook', 'Acknowledged']}
        empty="No alerts yet."
        row={(alert) => (
          <Table.Tr key={alert.id} bg={alert.acknowledgedDateTime ? undefined : 'red.0'}>
            <Table.Td>
              <DateTime value={alert.createdDateTime} />
            </Table.Td>
            <Table.Td>{alert.userPrincipalName}</Table.Td>
            <Table.Td>
              <Badge color={alert.kind === 'validationDue' ? 'orange' : 'red'} variant="filled">
                {alertKindLabel(alert.kind)}
              </Badge>
            </Table.Td>
            <Table.Td>
              <AlertDetails alert={alert} />
            </Table.Td>
            <Table.Td>
              <WebhookBadge alert={alert} />
            </Table.Td>
            <Table.Td>
              {alert.acknowledgedDateTime ? (
                <Text size="xs">
                  <DateTime value={alert.acknowledgedDateTime} /> by {alert.acknowledgedBy}
                </Text>
              ) : (
                <Button
                  size="compact-sm"
                  variant="default"
                  aria-label={`Acknowledge ${alertKindLabel(alert.kind).toLowerCase()} alert for ${alert.userPrincipalName}`}
                  loading={acknowledge.isPending && acknowledge.variables === alert.id}
                  onClick={() => acknowledge.mutate(alert.id)}
                >
                  Acknowledge
                </Button>
              )}
            </Table.Td>
          </Table.Tr>
        )}
      />
    </Stack>
  );
}
