import { Button, Group, Stack, Tabs, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useSearchParams } from 'react-router';
import { BulkInviteModal } from '../components/bulk-invite-modal.tsx';
import { InvitationsPanel } from '../components/invitations-panel.tsx';
import { OutboxPanel } from '../components/outbox-panel.tsx';

const TABS = ['invitations', 'outbox'] as const;
type Tab = (typeof TABS)[number];

/** `/invitations?tab=outbox` opens the outbox, so other pages and messages can link straight to it. */
function tabOf(params: URLSearchParams): Tab {
  const tab = params.get('tab');
  return TABS.find((t) => t === tab) ?? 'invitations';
}

export function InvitationsPage() {
  const [params, setParams] = useSearchParams();
  const tab = tabOf(params);
  const [bulkOpened, bulk] = useDisclosure(false);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Invitations</Title>
        <Button variant="default" onClick={bulk.open}>
          Bulk invite
        </Button>
      </Group>
      {/* Only the active panel is mounted: the outbox is fetched when it is looked at, and each panel's labels
          stay unique on the page. */}
      <Tabs
        value={tab}
        keepMounted={false}
        onChange={(value) => setParams(value === 'outbox' ? { tab: 'outbox' } : {}, { replace: true })}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="invitations">Invitations</Tabs.Tab>
          <Tabs.Tab value="outbox">Outbox</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="invitations">
          <InvitationsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="outbox">
          <OutboxPanel />
        </Tabs.Panel>
      </Tabs>
      <BulkInviteModal opened={bulkOpened} onClose={bulk.close} />
    </Stack>
  );
}
