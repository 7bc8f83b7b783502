import { Alert, Badge, Button, Center, Group, Loader, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useSearchParams } from 'react-router';
import {
  useCrossTenantDefault,
  useResetCrossTenantDefault,
  useUpdateCrossTenantDefault,
  type CrossTenantDefault,
} from '../api/cross-tenant.ts';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { CrossTenantForm, crossTenantFormKey } from '../components/cross-tenant-form.tsx';
import { CrossTenantPartnersPanel } from '../components/cross-tenant-partners-panel.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';

const TABS = ['default', 'organizations'] as const;
type Tab = (typeof TABS)[number];

/** `/cross-tenant-access?tab=organizations` opens the partner list, so other pages can link straight to it. */
function tabOf(params: URLSearchParams): Tab {
  const tab = params.get('tab');
  return TABS.find((t) => t === tab) ?? 'default';
}

export function CrossTenantAccessPage() {
  const [params, setParams] = useSearchParams();
  const tab = tabOf(params);
  const defaults = useCrossTenantDefault();

  return (
    <Stack>
      <div>
        <Title order={2}>Cross-tenant access</Title>
        <Text c="dimmed">
          Which partners' people may come in as guests, and which of their sign-in claims Gatehouse trusts.
        </Text>
      </div>
      {defaults.isPending && (
        <Center>
          <Loader aria-label="Loading settings" />
        </Center>
      )}
      <ErrorAlert error={defaults.error} title="Could not load the settings" />
      {defaults.data && (
        // Only the active panel is mounted, so the two editors' labels never share the page.
        <Tabs
          value={tab}
          keepMounted={false}
          onChange={(value) => setParams(value === 'organizations' ? { tab: 'organizations' } : {}, { replace: true })}
        >
          <Tabs.List mb="md">
            <Tabs.Tab value="default">Default settings</Tabs.Tab>
            <Tabs.Tab value="organizations">Organizational settings</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="default">
            <DefaultSettings settings={defaults.data} />
          </Tabs.Panel>
          <Tabs.Panel value="organizations">
            <CrossTenantPartnersPanel defaults={defaults.data} />
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}

function DefaultSettings({ settings }: { settings: CrossTenantDefault }) {
  // Lives here rather than in the form: a save changes the settings, which remounts the form.
  const update = useUpdateCrossTenantDefault();
  const reset = useResetCrossTenantDefault();
  const [confirmOpened, confirm] = useDisclosure(false);
  const { isServiceDefault, ...editable } = settings;

  return (
    <Stack>
      <Group gap="xs">
        <Text size="sm" c="dimmed">
          These apply to every partner without settings of its own.
        </Text>
        <Badge variant="light" color={isServiceDefault ? 'gray' : 'blue'}>
          {isServiceDefault ? 'Service defaults' : 'Customized'}
        </Badge>
      </Group>
      <Paper withBorder p="md">
        <CrossTenantForm
          key={crossTenantFormKey(editable)}
          label="Default cross-tenant access settings"
          settings={editable}
          defaults={editable}
          partner={false}
          saving={update.isPending}
          onSave={(patch) => update.mutate(patch)}
          onEdit={() => {
            if (update.isSuccess) update.reset();
          }}
          actions={
            <Button
              variant="outline"
              color="red"
              disabled={isServiceDefault}
              onClick={() => {
                reset.reset();
                confirm.open();
              }}
            >
              Reset to defaults
            </Button>
          }
        />
      </Paper>
      {update.isSuccess && (
        <Alert color="green" role="status" title="Settings saved" withCloseButton closeButtonLabel="Dismiss" onClose={update.reset}>
          The new settings apply from the next redemption and guest sign-in.
        </Alert>
      )}
      <ErrorAlert error={update.error} title="Could not save the settings" />
      <ConfirmModal
        opened={confirmOpened}
        title="Reset to defaults"
        message="Forget every change to the default settings and go back to the service defaults: B2B collaboration allowed for everyone, direct connect blocked, no partner claims trusted."
        confirmLabel="Reset"
        busy={reset.isPending}
        error={reset.error}
        onClose={confirm.close}
        onConfirm={() =>
          reset.mutate(undefined, {
            onSuccess: () => {
              update.reset();
              confirm.close();
            },
          })
        }
      />
    </Stack>
  );
}
