import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

/** A table's header row: one cell a column, in order; `widths` gives a width to the first few where they need one. */
export function TableHead({ columns, widths = [] }: { columns: ReactNode[]; widths?: number[] }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.map((column, i) => (
          <Table.Th key={i} w={widths[i]}>
            {column}
          </Table.Th>
        ))}
      </Table.Tr>
    </Table.Thead>
  );
}
