import { Stack, Tabs, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
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

  return (
    <Stack>
      <Title order={2}>Invitations</Title>
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
    </Stack>
  );
}
