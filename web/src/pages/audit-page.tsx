import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { auditFirstPageUrl, useAuditPage } from '../api/audit.ts';
import { AuditFiltersForm, EMPTY_AUDIT_FORM, toAuditFilters, type AuditFilterForm } from '../components/audit-filters.tsx';
import { AuditTable } from '../components/audit-table.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { Pager } from '../components/pager.tsx';
import { usePageStack } from '../hooks/use-page-stack.ts';

const PAGE_SIZE = 50;

/** `/audit?actor=<id>&target=<id>` pre-fills the filters, so other pages can link to "this object's history". */
function formFromUrl(params: URLSearchParams): AuditFilterForm {
  const actor = params.get('actor');
  const target = params.get('target');
  return {
    ...EMPTY_AUDIT_FORM,
    actor: actor ? { id: actor, label: params.get('actorName') ?? actor } : null,
    target: target ? { id: target, label: params.get('targetName') ?? target } : null,
  };
}

export function AuditPage() {
  const [params] = useSearchParams();
  const [initial] = useState(() => formFromUrl(params));
  const [applied, setApplied] = useState<AuditFilterForm>(initial);
  const pages = usePageStack(auditFirstPageUrl(toAuditFilters(applied), PAGE_SIZE));
  const audit = useAuditPage(pages.url);
  const events = audit.data?.value ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Audit log</Title>
        <Button variant="default" size="xs" onClick={() => audit.refetch()} loading={audit.isFetching}>
          Refresh
        </Button>
      </Group>
      <Paper withBorder p="md">
        <AuditFiltersForm initial={initial} onApply={setApplied} />
      </Paper>
      <ErrorAlert error={audit.error} title="Could not load the audit log" />
      <AuditTable events={events} />
      {audit.isSuccess && events.length === 0 && (
        <Text c="dimmed" ta="center">
          No audit events match these filters.
        </Text>
      )}
      <Pager
        pageIndex={pages.pageIndex}
        pageSize={PAGE_SIZE}
        shown={events.length}
        hasPrevious={pages.hasPrevious}
        nextLink={audit.data?.['@odata.nextLink']}
        onPrevious={pages.previous}
        onNext={pages.next}
        busy={audit.isFetching}
      />
    </Stack>
  );
}
