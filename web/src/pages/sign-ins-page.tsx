import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { signInsFirstPageUrl, useSignInsPage } from '../api/sign-ins.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { Pager } from '../components/pager.tsx';
import { SignInDetailsDrawer } from '../components/sign-in-details.tsx';
import { EMPTY_SIGN_IN_FORM, SignInFiltersForm, toSignInFilters, type SignInFilterForm } from '../components/sign-in-filters.tsx';
import { SignInTable } from '../components/sign-in-table.tsx';
import { usePageStack } from '../hooks/use-page-stack.ts';

const PAGE_SIZE = 50;

/** `/sign-ins?user=<upn prefix>` pre-fills the user filter; `?id=<sign-in id>` opens that sign-in's details. */
export function SignInsPage() {
  const [params, setParams] = useSearchParams();
  const [initial] = useState<SignInFilterForm>(() => ({ ...EMPTY_SIGN_IN_FORM, user: params.get('user') ?? '' }));
  const [applied, setApplied] = useState<SignInFilterForm>(initial);
  const pages = usePageStack(signInsFirstPageUrl(toSignInFilters(applied), PAGE_SIZE));
  const list = useSignInsPage(pages.url);
  const signIns = list.data?.value ?? [];
  const openId = params.get('id');

  const open = (id: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      next.set('id', id);
      return next;
    });
  const close = () =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      next.delete('id');
      return next;
    });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Sign-in log</Title>
        <Button variant="default" size="xs" onClick={() => list.refetch()} loading={list.isFetching}>
          Refresh
        </Button>
      </Group>
      <Paper withBorder p="md">
        <SignInFiltersForm initial={initial} onApply={setApplied} />
      </Paper>
      <ErrorAlert error={list.error} title="Could not load the sign-in log" />
      <SignInTable signIns={signIns} onOpen={open} />
      {list.isSuccess && signIns.length === 0 && (
        <Text c="dimmed" ta="center">
          No sign-ins match these filters.
        </Text>
      )}
      <Pager
        pageIndex={pages.pageIndex}
        pageSize={PAGE_SIZE}
        shown={signIns.length}
        hasPrevious={pages.hasPrevious}
        nextLink={list.data?.['@odata.nextLink']}
        onPrevious={pages.previous}
        onNext={pages.next}
        busy={list.isFetching}
      />
      <SignInDetailsDrawer id={openId} onClose={close} />
    </Stack>
  );
}
