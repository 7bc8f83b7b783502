import { Fieldset, Group, Radio, Stack, TagsInput } from '@mantine/core';
import type { AccessType } from '../api/cross-tenant.ts';
import type { AppliesTo, TargetKind, TargetsDraft } from './cross-tenant-values.ts';

const TEXT: Record<TargetKind, { legend: string; access: string; all: string; selected: string; ids: string; idsHelp: string }> = {
  usersAndGroups: {
    legend: 'External users and groups',
    access: 'User and group access',
    all: 'All users',
    selected: 'Selected users and groups',
    ids: 'User and group ids',
    idsHelp: "The partner's ids for its users (as its identity provider sends them) or its group ids. Press Enter after each.",
  },
  applications: {
    legend: 'Applications',
    access: 'Application access',
    all: 'All applications',
    selected: 'Selected applications',
    ids: 'Application ids',
    idsHelp: 'Application (client) ids of the applications here. Press Enter after each.',
  },
};

interface TargetAccessEditorProps {
  kind: TargetKind;
  value: TargetsDraft;
  onChange: (value: TargetsDraft) => void;
  /** Shown under the ids once the user tried to save. */
  error: string | null;
}

/** Allow or block, everyone or a list: one half of an inbound B2B collaboration setting. */
export function TargetAccessEditor({ kind, value, onChange, error }: TargetAccessEditorProps) {
  const text = TEXT[kind];
  return (
    <Fieldset legend={text.legend} variant="filled" p="sm">
      <Stack gap="sm">
        <Radio.Group
          label={text.access}
          value={value.accessType}
          onChange={(accessType) => onChange({ ...value, accessType: accessType as AccessType })}
        >
          <Group gap="lg" mt={4}>
            <Radio value="allowed" label="Allow" />
            <Radio value="blocked" label="Block" />
          </Group>
        </Radio.Group>
        <Radio.Group
          label="Applies to"
          value={value.appliesTo}
          onChange={(appliesTo) => onChange({ ...value, appliesTo: appliesTo as AppliesTo })}
        >
          <Group gap="lg" mt={4}>
            <Radio value="all" label={text.all} />
            <Radio value="selected" label={text.selected} />
          </Group>
        </Radio.Group>
        {value.appliesTo === 'selected' && (
          <TagsInput
            label={text.ids}
            description={text.idsHelp}
            splitChars={[',', ' ', ';']}
            value={value.ids}
            onChange={(ids) => onChange({ ...value, ids })}
            error={error}
          />
        )}
      </Stack>
    </Fieldset>
  );
}
