import { Autocomplete, SimpleGrid } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { AuditFilters } from '../api/audit.ts';
import { DirectoryPicker, type PickedObject } from './directory-picker.tsx';
import { FilterButtons, RangeInputs, rangeFilters } from './log-filters.tsx';

/** Suggestions only: the server's audit registry is the authority, so any text is accepted. */
const ACTIVITIES = [
  'Add user',
  'Update user',
  'Delete user',
  'Add group',
  'Update group',
  'Delete group',
  'Add member to group',
  'Remove member from group',
  'Add owner to group',
  'Remove owner from group',
];
const CATEGORIES = ['UserManagement', 'GroupManagement', 'ApplicationManagement', 'RoleManagement', 'Policy'];

/** The filter form's state; pickers keep their labels so the form can show who was chosen. */
export interface AuditFilterForm {
  from: string;
  to: string;
  actor: PickedObject | null;
  target: PickedObject | null;
  activity: string;
  category: string;
}

export const EMPTY_AUDIT_FORM: AuditFilterForm = {
  from: '',
  to: '',
  actor: null,
  target: null,
  activity: '',
  category: '',
};

export function toAuditFilters(form: AuditFilterForm): AuditFilters {
  const filters: AuditFilters = rangeFilters(form);
  if (form.actor) filters.actorId = form.actor.id;
  if (form.target) filters.targetId = form.target.id;
  if (form.activity.trim()) filters.activity = form.activity.trim();
  if (form.category.trim()) filters.category = form.category.trim();
  return filters;
}

interface AuditFiltersProps {
  initial: AuditFilterForm;
  onApply: (form: AuditFilterForm) => void;
}

export function AuditFiltersForm({ initial, onApply }: AuditFiltersProps) {
  const [form, setForm] = useState<AuditFilterForm>(initial);
  // Remounts the pickers on "Clear" so their search text empties too.
  const [generation, setGeneration] = useState(0);
  const set = <K extends keyof AuditFilterForm>(key: K, value: AuditFilterForm[K]) =>
    setForm((prev) => ({ ...prev, [key]: value }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onApply(form);
  };

  const onClear = () => {
    setForm(EMPTY_AUDIT_FORM);
    setGeneration((g) => g + 1);
    onApply(EMPTY_AUDIT_FORM);
  };

  return (
    <form onSubmit={onSubmit} aria-label="Audit log filters">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        <RangeInputs range={form} onChange={set} />
        <Autocomplete
          label="Activity"
          placeholder="e.g. Add member to group"
          data={ACTIVITIES}
          value={form.activity}
          onChange={(v) => set('activity', v)}
        />
        <DirectoryPicker
          key={`actor-${generation}`}
          label="Initiated by (user)"
          placeholder="Search users or paste an id"
          allowRawId
          value={form.actor}
          onChange={(v) => set('actor', v)}
        />
        <DirectoryPicker
          key={`target-${generation}`}
          label="Target (user or group)"
          placeholder="Search users and groups or paste an id"
          includeGroups
          allowRawId
          value={form.target}
          onChange={(v) => set('target', v)}
        />
        <Autocomplete
          label="Category"
          placeholder="e.g. GroupManagement"
          data={CATEGORIES}
          value={form.category}
          onChange={(v) => set('category', v)}
        />
      </SimpleGrid>
      <FilterButtons onClear={onClear} />
    </form>
  );
}
