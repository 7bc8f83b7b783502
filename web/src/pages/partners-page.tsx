import { Anchor, Button, Loader, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { partnersFirstPageUrl, usePartners, type PartnerState } from '../api/partners.ts';
import { NewPartnerModal } from '../components/new-partner-modal.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager } from '../components/pager.tsx';
import { PartnerStateBadge, sourcesSummary } from '../components/partner-badges.tsx';
import { PARTNER_STATE_LABELS } from '../components/partner-fields.tsx';
import { ResourceTable } from '../components/resource-table.tsx';
import { DateTime } from '../components/status-badges.tsx';
import { usePageStack } from '../hooks/use-page-stack.ts';

const PAGE_SIZE = 25;
const ALL = 'all';

const STATE_OPTIONS = [
  { value: ALL, label: 'All states' },
  ...(Object.entries(PARTNER_STATE_LABELS) as [PartnerState, string][]).map(([value, label]) => ({ value, label })),
];

export function PartnersPage() {
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [term] = useDebouncedValue(search, 300);
  const [state, setState] = useState<string>(ALL);
  const pages = usePageStack(
    partnersFirstPageUrl({ name: term, state: state === ALL ? undefined : (state as PartnerState) }, PAGE_SIZE),
  );
  const partners = usePartners(pages.url);
  const [modalOpened, modal] = useDisclosure(false);
  const rows = partners.data?.value ?? [];
  const pathOf = (id: string) => `/partners/${encodeURIComponent(id)}`;

  return (
    <Stack>
      <PageHeader
        title="Partner organizations"
        description="Suppliers and other organizations whose people are guests here, and who sponsors them."
        action={<Button onClick={modal.open}>New partner organization</Button>}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Search partner organizations"
          placeholder="Name starts with…"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          rightSection={partners.isFetching ? <Loader size="xs" aria-label="Loading partner organizations" /> : null}
        />
        <Select
          label="State"
          data={STATE_OPTIONS}
          allowDeselect={false}
          value={state}
          onChange={(value) => setState(value ?? ALL)}
        />
      </SimpleGrid>
      <ResourceTable
        query={partners}
        label="Partner organizations"
        errorTitle="Could not load partner organizations"
        minWidth={720}
        columns={['Name', 'State', 'Identity sources', 'Created']}
        empty={term || state !== ALL ? 'No partner organizations match these filters.' : 'No partner organizations yet.'}
        row={(org) => (
          <Table.Tr key={org.id} style={{ cursor: 'pointer' }} onClick={() => navigate(pathOf(org.id))}>
            <Table.Td>
              <Anchor component={Link} to={pathOf(org.id)} onClick={(e) => e.stopPropagation()}>
                {org.displayName}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <PartnerStateBadge state={org.state} />
            </Table.Td>
            <Table.Td>
              <Text size="sm" style={{ wordBreak: 'break-word' }}>
                {org.identitySources ? sourcesSummary(org.identitySources) : '—'}
              </Text>
            </Table.Td>
            <Table.Td>
              <DateTime value={org.createdDateTime} />
            </Table.Td>
          </Table.Tr>
        )}
      />
      <Pager
        pageIndex={pages.pageIndex}
        pageSize={PAGE_SIZE}
        shown={rows.length}
        hasPrevious={pages.hasPrevious}
        nextLink={partners.data?.['@odata.nextLink']}
        onPrevious={pages.previous}
        onNext={pages.next}
        busy={partners.isFetching}
      />
      <NewPartnerModal
        opened={modalOpened}
        onClose={modal.close}
        onCreated={(org) => {
          modal.close();
          navigate(pathOf(org.id));
        }}
      />
    </Stack>
  );
}
