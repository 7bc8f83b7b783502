import { Button, Group, Stack } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { ConnectedOrganization, ConnectedOrganizationPatch } from '../api/partners.ts';
import { PartnerFields, partnerPatch, partnerValuesOf, type PartnerFormValues } from './partner-fields.tsx';

/** Changes whenever a saved editable field changes, for use as the form's `key`. */
export function partnerFormKey(org: ConnectedOrganization): string {
  return JSON.stringify([org.displayName, org.description, org.state, org.identitySources]);
}

interface PartnerEditFormProps {
  org: ConnectedOrganization;
  saving: boolean;
  onSave: (patch: ConnectedOrganizationPatch) => void;
  /** Called on every edit, e.g. to clear an earlier "saved" notice. */
  onEdit: () => void;
}

/**
 * Edits a partner organization's name, description, state and identity sources; sends only what changed.
 * Remount it (key on partnerFormKey) to pick up saved changes.
 */
export function PartnerEditForm({ org, saving, onSave, onEdit }: PartnerEditFormProps) {
  const [initial] = useState(() => partnerValuesOf(org));
  const [values, setValues] = useState<PartnerFormValues>(initial);
  const patch = partnerPatch(initial, values);
  const dirty = Object.keys(patch).length > 0;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) onSave(patch);
  };

  return (
    <form onSubmit={onSubmit} aria-label="Edit partner organization">
      <Stack>
        <PartnerFields
          values={values}
          onChange={(next) => {
            setValues(next);
            onEdit();
          }}
        />
        <Group justify="flex-end">
          <Button
            variant="default"
            disabled={!dirty || saving}
            onClick={() => {
              setValues(initial);
              onEdit();
            }}
          >
            Discard changes
          </Button>
          <Button type="submit" disabled={!dirty} loading={saving}>
            Save changes
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
