import { Button, Group, Text } from '@mantine/core';

interface PagerProps {
  pageIndex: number;
  pageSize: number;
  shown: number;
  total?: number | undefined;
  hasPrevious: boolean;
  nextLink?: string | undefined;
  onPrevious: () => void;
  onNext: (nextLink: string) => void;
  busy?: boolean;
}

/** "Previous / Next" controls for nextLink paging, with a "21–40 of 93" summary when a count is known. */
export function Pager(props: PagerProps) {
  const first = props.pageIndex * props.pageSize + (props.shown ? 1 : 0);
  const last = props.pageIndex * props.pageSize + props.shown;
  const summary =
    props.total === undefined ? `Showing ${first}–${last}` : `Showing ${first}–${last} of ${props.total}`;
  const nextLink = props.nextLink;
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed" aria-live="polite">
        {props.shown ? summary : ''}
      </Text>
      <Group gap="xs">
        <Button variant="default" size="xs" disabled={!props.hasPrevious || props.busy} onClick={props.onPrevious}>
          Previous page
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!nextLink || props.busy}
          onClick={() => nextLink && props.onNext(nextLink)}
        >
          Next page
        </Button>
      </Group>
    </Group>
  );
}
