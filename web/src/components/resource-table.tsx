import { Button, Center, Group, Loader, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorAlert } from './error-alert.tsx';
import { TableHead } from './table-head.tsx';

/** The parts of a list query (`{ value: T[] }`, as the Graph-style API answers) that the table shows. */
interface ListQuery<T> {
  data: { value: T[] } | undefined;
  error: unknown;
  isPending: boolean;
  isSuccess: boolean;
}

interface ResourceTableProps<T> {
  query: ListQuery<T>;
  /** The table's accessible name. */
  label: string;
  /** Title of the alert when the list does not load. */
  errorTitle: string;
  /** Shown between that alert and the table, e.g. alerts for the row actions. */
  notices?: ReactNode;
  columns: ReactNode[];
  /** One `<Table.Tr key=…>` for an item. */
  row: (item: T) => ReactNode;
  /** Shown under the table once the list has loaded empty. */
  empty: ReactNode;
  /** The loader's accessible name; without one, no loader (e.g. the page has one in its search box). */
  loadingLabel?: string;
  /** Scroll sideways below this width; without it, the table is not in a scroll container. */
  minWidth?: number;
  /** "page": rows highlight on hover and the empty text is centred; "section": a plain table with small empty text. */
  variant?: 'page' | 'section';
}

/** A list of resources: load error, table with one row per item, loader while pending, and the empty text. */
export function ResourceTable<T>({ query, label, errorTitle, notices, columns, row, empty, loadingLabel, minWidth, variant = 'page' }: ResourceTableProps<T>) {
  const items = query.data?.value ?? [];
  const table = (
    <Table highlightOnHover={variant === 'page'} aria-label={label}>
      <TableHead columns={columns} />
      <Table.Tbody>{items.map(row)}</Table.Tbody>
    </Table>
  );
  return (
    <>
      <ErrorAlert error={query.error} title={errorTitle} />
      {notices}
      {minWidth === undefined ? table : <Table.ScrollContainer minWidth={minWidth}>{table}</Table.ScrollContainer>}
      {loadingLabel && query.isPending && (
        <Center>
          <Loader aria-label={loadingLabel} />
        </Center>
      )}
      {query.isSuccess && items.length === 0 && (variant === 'page' ? <Text c="dimmed" ta="center">{empty}</Text> : <Text c="dimmed" size="sm">{empty}</Text>)}
    </>
  );
}

/** A row's Edit and Delete buttons, named after the item ("Edit X", "Delete X"). */
export function EditDeleteButtons({ name, onEdit, onDelete }: { name: string; onEdit: () => void; onDelete: () => void }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Button size="compact-sm" variant="default" aria-label={`Edit ${name}`} onClick={onEdit}>
        Edit
      </Button>
      <Button size="compact-sm" variant="subtle" color="red" aria-label={`Delete ${name}`} onClick={onDelete}>
        Delete
      </Button>
    </Group>
  );
}
