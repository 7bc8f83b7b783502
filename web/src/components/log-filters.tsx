import { Button, Group, TextInput } from '@mantine/core';

/** The time range of a log filter form, as the `datetime-local` inputs hold it. */
interface LocalRange {
  from: string;
  to: string;
}

/** `datetime-local` values are in the viewer's time zone; the API wants UTC instants. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The range's set ends as UTC instants; an empty or unreadable end is left out. */
export function rangeFilters(range: LocalRange): { from?: string; to?: string } {
  const filters: { from?: string; to?: string } = {};
  const from = localToIso(range.from);
  const to = localToIso(range.to);
  if (from) filters.from = from;
  if (to) filters.to = to;
  return filters;
}

/** The "From" and "To" inputs of a log filter form (two grid cells). */
export function RangeInputs({ range, onChange }: { range: LocalRange; onChange: (end: keyof LocalRange, value: string) => void }) {
  return (
    <>
      <TextInput type="datetime-local" label="From" value={range.from} onChange={(e) => onChange('from', e.currentTarget.value)} />
      <TextInput type="datetime-local" label="To" value={range.to} onChange={(e) => onChange('to', e.currentTarget.value)} />
    </>
  );
}

/** "Clear filters" and "Apply filters" (the form's submit button) under a log filter form. */
export function FilterButtons({ onClear }: { onClear: () => void }) {
  return (
    <Group justify="flex-end" mt="md">
      <Button variant="default" onClick={onClear}>
        Clear filters
      </Button>
      <Button type="submit">Apply filters</Button>
    </Group>
  );
}
