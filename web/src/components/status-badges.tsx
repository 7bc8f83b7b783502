import { Badge } from '@mantine/core';

export function EnabledBadge({ enabled }: { enabled: boolean | null }) {
  return enabled === false ? (
    <Badge color="gray" variant="light">
      Disabled
    </Badge>
  ) : (
    <Badge color="green" variant="light">
      Enabled
    </Badge>
  );
}

export function UserTypeBadge({ userType }: { userType: string | null }) {
  if (!userType) return null;
  return (
    <Badge color={userType === 'Guest' ? 'orange' : 'blue'} variant="light">
      {userType}
    </Badge>
  );
}

/** Formats an ISO instant in the viewer's locale; the raw value stays in the title for copying. */
export function DateTime({ value }: { value: string | null | undefined }) {
  if (!value) return <>—</>;
  const date = new Date(value);
  return (
    <time dateTime={value} title={value}>
      {Number.isNaN(date.getTime()) ? value : date.toLocaleString()}
    </time>
  );
}
