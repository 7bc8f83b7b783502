import { Select, Stack, TextInput, Textarea } from '@mantine/core';
import type { ConnectedOrganization, ConnectedOrganizationPatch, NewConnectedOrganization, PartnerState } from '../api/partners.ts';
import { draftOf, IdentitySourcesEditor, newSourceDraft, sourceOf, type SourceDraft } from './identity-sources-editor.tsx';

/** A partner organization as edited, in "New partner organization" and on its page. */
export interface PartnerFormValues {
  displayName: string;
  description: string;
  state: PartnerState;
  sources: SourceDraft[];
}

export const PARTNER_STATE_LABELS: Record<PartnerState, string> = {
  configured: 'Configured',
  proposed: 'Proposed',
};

const STATES = (Object.entries(PARTNER_STATE_LABELS) as [PartnerState, string][]).map(([value, label]) => ({ value, label }));

export function partnerValuesOf(org: ConnectedOrganization | null): PartnerFormValues {
  if (!org) return { displayName: '', description: '', state: 'configured', sources: [newSourceDraft()] };
  return {
    displayName: org.displayName,
    description: org.description ?? '',
    state: org.state,
    sources: org.identitySources.map(draftOf),
  };
}

/** The POST body for a new partner organization. */
export function newPartnerBody(values: PartnerFormValues): NewConnectedOrganization {
  const description = values.description.trim();
  return {
    displayName: values.displayName.trim(),
    ...(description ? { description } : {}),
    state: values.state,
    identitySources: values.sources.map(sourceOf),
  };
}

/** The PATCH body: only what changed (identity sources are replaced as a whole list). */
export function partnerPatch(initial: PartnerFormValues, values: PartnerFormValues): ConnectedOrganizationPatch {
  const patch: ConnectedOrganizationPatch = {};
  if (values.displayName.trim() !== initial.displayName) patch.displayName = values.displayName.trim();
  if (values.description.trim() !== initial.description) patch.description = values.description.trim() || null;
  if (values.state !== initial.state) patch.state = values.state;
  const sources = values.sources.map(sourceOf);
  if (JSON.stringify(sources) !== JSON.stringify(initial.sources.map(sourceOf))) patch.identitySources = sources;
  return patch;
}

interface PartnerFieldsProps {
  values: PartnerFormValues;
  onChange: (values: PartnerFormValues) => void;
  autoFocus?: boolean;
}

export function PartnerFields({ values, onChange, autoFocus = false }: PartnerFieldsProps) {
  const set = <K extends keyof PartnerFormValues>(key: K, value: PartnerFormValues[K]) => onChange({ ...values, [key]: value });
  return (
    <Stack>
      <TextInput
        label="Display name"
        required
        data-autofocus={autoFocus || undefined}
        value={values.displayName}
        onChange={(e) => set('displayName', e.currentTarget.value)}
      />
      <Textarea
        label="Description"
        autosize
        minRows={2}
        maxLength={1024}
        value={values.description}
        onChange={(e) => set('description', e.currentTarget.value)}
      />
      <Select
        label="State"
        description="Only configured partners count when deciding which partner a guest belongs to."
        data={STATES}
        allowDeselect={false}
        value={values.state}
        onChange={(state) => state && set('state', state as PartnerState)}
      />
      <IdentitySourcesEditor value={values.sources} onChange={(sources) => set('sources', sources)} />
    </Stack>
  );
}
