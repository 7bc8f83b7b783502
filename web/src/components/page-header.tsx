import { Group, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A page's title and one-line description, with its main action (e.g. "New …") on the right when it has one. */
export function PageHeader({ title, description, action }: { title: string; description: ReactNode; action?: ReactNode }) {
  const heading = (
    <div>
      <Title order={2}>{title}</Title>
      <Text c="dimmed">{description}</Text>
    </div>
  );
  if (!action) return heading;
  return (
    <Group justify="space-between" align="flex-start">
      {heading}
      {action}
    </Group>
  );
}
