import { Alert, List, Modal, SegmentedControl, Stack, Tabs, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import {
  useDirectoryRoles,
  useNamedLocations,
  useSavePolicy,
  useTargetApplications,
  type PolicyBody,
  type PolicyState,
} from '../api/conditional-access.ts';
import { ConfirmModal } from './confirm-modal.tsx';
import { ApplicationsSection, ConditionsSection, ControlsSection, UsersSection } from './ca-policy-sections.tsx';
import { STATE_LABELS } from './ca-policy-values.ts';
import { FormActions } from './form-actions.tsx';

interface PolicyEditorProps {
  opened: boolean;
  /** The stored policy's id, or null for a new one. */
  policyId: string | null;
  /** What the form starts from: the stored policy, a template or an empty policy. */
  initial: PolicyBody;
  onClose: () => void;
}

/** "New policy" and "Edit policy": one form over the Graph conditionalAccessPolicy body. */
export function PolicyEditor({ opened, policyId, initial, onClose }: PolicyEditorProps) {
  return (
    <Modal opened={opened} onClose={onClose} title={policyId ? 'Edit policy' : 'New policy'} size="xl" centered>
      {/* Keyed so each opening starts from its own starting point. */}
      <PolicyForm key={`${policyId ?? 'new'}:${initial.displayName}`} policyId={policyId} initial={initial} onDone={onClose} />
    </Modal>
  );
}

/** The server names every problem with its property path, separated by "; ". */
function Problems({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const problems = message.split('; ');
  return (
    <Alert color="red" title="The policy was not saved" role="alert" data-testid="error-alert">
      {problems.length === 1 ? (
        <Text size="sm">{message}</Text>
      ) : (
        <List size="sm">
          {problems.map((problem) => (
            <List.Item key={problem}>{problem}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

function PolicyForm({ policyId, initial, onDone }: { policyId: string | null; initial: PolicyBody; onDone: () => void }) {
  const [policy, setPolicy] = useState<PolicyBody>(() => structuredClone(initial));
  const save = useSavePolicy();
  const roles = useDirectoryRoles();
  const apps = useTargetApplications();
  const locations = useNamedLocations();
  const [confirming, setConfirming] = useState<string | null>(null);
  const update = (change: (draft: PolicyBody) => void) =>
    setPolicy((previous) => {
      const next = structuredClone(previous);
      change(next);
      return next;
    });

  const submit = (confirmLockoutRisk = false) =>
    save.mutate(
      { id: policyId, body: policy, confirmLockoutRisk },
      {
        onSuccess: () => {
          setConfirming(null);
          onDone();
        },
        onError: (error) => {
          if (error instanceof ApiError && error.innerCode === 'ADMIN_LOCKOUT_CONFIRMATION_REQUIRED') setConfirming(error.message);
        },
      },
    );
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };

  const roleOptions = (roles.data ?? []).map((role) => ({ value: role.id, label: role.displayName }));
  const appOptions = (apps.data ?? []).map((app) => ({ value: app.appId, label: app.displayName }));
  const needsConfirmation = save.error instanceof ApiError && save.error.innerCode === 'ADMIN_LOCKOUT_CONFIRMATION_REQUIRED';

  return (
    <form onSubmit={onSubmit} aria-label="Conditional Access policy">
      <Stack>
        <TextInput label="Name" required value={policy.displayName} onChange={(event) => update((d) => void (d.displayName = event.currentTarget.value))} />
        <Tabs defaultValue="users" keepMounted={false}>
          <Tabs.List mb="sm">
            <Tabs.Tab value="users">Users</Tabs.Tab>
            <Tabs.Tab value="apps">Target resources</Tabs.Tab>
            <Tabs.Tab value="conditions">Conditions</Tabs.Tab>
            <Tabs.Tab value="controls">Access controls</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="users">
            <UsersSection policy={policy} update={update} roles={roleOptions} />
          </Tabs.Panel>
          <Tabs.Panel value="apps">
            <ApplicationsSection policy={policy} update={update} applications={appOptions} />
          </Tabs.Panel>
          <Tabs.Panel value="conditions">
            <ConditionsSection policy={policy} update={update} locations={locations.data?.value ?? []} />
          </Tabs.Panel>
          <Tabs.Panel value="controls">
            <ControlsSection policy={policy} update={update} />
          </Tabs.Panel>
        </Tabs>
        <Stack gap={4}>
          <Text fw={500} size="sm" id="policy-state-label">
            Enable policy
          </Text>
          <SegmentedControl
            aria-labelledby="policy-state-label"
            value={policy.state}
            onChange={(state) => update((d) => void (d.state = state as PolicyState))}
            data={(['enabledForReportingButNotEnforced', 'enabled', 'disabled'] as PolicyState[]).map((state) => ({ value: state, label: STATE_LABELS[state] }))}
          />
          <Text size="xs" c="dimmed">
            Report-only evaluates the policy at every sign-in and writes the result to the sign-in log without enforcing it.
          </Text>
        </Stack>
        {!needsConfirmation && <Problems error={save.error} />}
        <FormActions submitLabel={policyId ? 'Save' : 'Create'} busy={save.isPending} onCancel={onDone} />
      </Stack>
      <ConfirmModal
        opened={confirming !== null}
        title="Only emergency-access accounts could still sign in"
        message={confirming ?? ''}
        confirmLabel="Save anyway"
        busy={save.isPending}
        onClose={() => {
          setConfirming(null);
          save.reset();
        }}
        onConfirm={() => submit(true)}
      />
    </form>
  );
}
