import { Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** One labelled value in a details view: a small dimmed label above the value. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}
