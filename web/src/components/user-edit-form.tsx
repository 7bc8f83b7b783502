import { Button, Group, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useUpdateUser } from '../api/users.ts';
import type { User, UserPatch } from '../api/types.ts';
import { ErrorAlert } from './error-alert.tsx';

const FIELDS = [
  { key: 'displayName', label: 'Display name' },
  { key: 'mail', label: 'Mail' },
  { key: 'companyName', label: 'Company name' },
  { key: 'department', label: 'Department' },
  { key: 'jobTitle', label: 'Job title' },
  { key: 'employeeType', label: 'Employee type' },
] as const;

type FieldKey = (typeof FIELDS)[number]['key'];
type FormValues = Record<FieldKey, string>;

function valuesOf(user: User): FormValues {
  return {
    displayName: user.displayName ?? '',
    mail: user.mail ?? '',
    companyName: user.companyName ?? '',
    department: user.department ?? '',
    jobTitle: user.jobTitle ?? '',
    employeeType: user.employeeType ?? '',
  };
}

/** Changes whenever a saved profile field changes (not on enable/disable), for use as the form's `key`. */
export function userFormKey(user: User): string {
  return JSON.stringify(valuesOf(user));
}

/** Only changed fields are sent; a cleared optional field becomes null, as Graph expects. */
function diff(before: FormValues, after: FormValues): UserPatch {
  const patch: UserPatch = {};
  for (const { key } of FIELDS) {
    const value = after[key].trim();
    if (value === before[key]) continue;
    patch[key] = value === '' && key !== 'displayName' ? null : value;
  }
  return patch;
}

/** Edits a user's profile fields. Remount it (key on the user's data) to pick up server-side changes. */
export function UserEditForm({ user }: { user: User }) {
  const update = useUpdateUser(user.id);
  const initial = valuesOf(user);
  const [values, setValues] = useState<FormValues>(initial);
  const patch = diff(initial, values);
  const dirty = Object.keys(patch).length > 0;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) update.mutate(patch);
  };

  return (
    <form onSubmit={onSubmit} aria-label="Edit user">
      <Stack>
        <ErrorAlert error={update.error} title="Could not save the user" />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {FIELDS.map(({ key, label }) => (
            <TextInput
              key={key}
              label={label}
              required={key === 'displayName'}
              value={values[key]}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setValues((prev) => ({ ...prev, [key]: value }));
              }}
            />
          ))}
        </SimpleGrid>
        <Group justify="flex-end">
          <Button variant="default" disabled={!dirty || update.isPending} onClick={() => setValues(initial)}>
            Discard changes
          </Button>
          <Button type="submit" disabled={!dirty} loading={update.isPending}>
            Save changes
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
