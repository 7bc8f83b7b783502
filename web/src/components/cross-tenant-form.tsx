import { Button, Fieldset, Group, List, Stack, Switch, Text } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { CrossTenantPatch, CrossTenantSettings } from '../api/cross-tenant.ts';
import {
  consentDraftOf,
  crossTenantPatch,
  describeB2BSetting,
  formIsValid,
  formValuesOf,
  inboundDraftOf,
  targetsError,
  trustDraftOf,
  type CrossTenantFormValues,
} from './cross-tenant-values.ts';
import { TargetAccessEditor } from './target-access-editor.tsx';

/** Changes whenever the saved settings change, for use as the form's `key`. */
export function crossTenantFormKey(settings: CrossTenantSettings): string {
  return JSON.stringify(settings);
}

interface CrossTenantFormProps {
  /** The settings being edited: the default, or one partner's (where null means "inherits the default"). */
  settings: CrossTenantSettings;
  /** The default settings: what a partner inherits, and where a newly customized section starts from. */
  defaults: CrossTenantSettings;
  /** Partner settings get a "Customize" switch per section. */
  partner: boolean;
  saving: boolean;
  onSave: (patch: CrossTenantPatch) => void;
  /** Called on every edit, e.g. to clear an earlier "saved" notice. */
  onEdit: () => void;
  /** More buttons next to Save, e.g. "Reset to defaults". */
  actions?: ReactNode;
  label: string;
}

/**
 * Edits inbound B2B collaboration, inbound trust and automatic redemption; shows the outbound settings read-only.
 * Remount it (key on the settings) to pick up saved changes.
 */
export function CrossTenantForm({ settings, defaults, partner, saving, onSave, onEdit, actions, label }: CrossTenantFormProps) {
  const [initial] = useState(() => formValuesOf(settings, defaults, partner));
  const [values, setValues] = useState<CrossTenantFormValues>(initial);
  const [showErrors, setShowErrors] = useState(false);
  const [nothingToSave, setNothingToSave] = useState(false);
  const set = <K extends keyof CrossTenantFormValues>(key: K, value: CrossTenantFormValues[K]) => {
    setValues((prev) => ({ ...prev, [key]: value }));
    setNothingToSave(false);
    onEdit();
  };
  const patch = crossTenantPatch(initial, values);
  const dirty = Object.keys(patch).length > 0;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!formIsValid(values)) {
      setShowErrors(true);
      return;
    }
    // Save stays enabled without changes: an id still being typed becomes a tag only as the field loses focus.
    if (dirty) onSave(patch);
    else setNothingToSave(true);
  };

  const inbound = values.inbound;
  return (
    <form onSubmit={onSubmit} aria-label={label} noValidate>
      <Stack gap="lg">
        <Section
          legend="Inbound B2B collaboration"
          description="Which of the partner's people may be invited and sign in, and to which applications."
          partner={partner}
          customized={inbound !== null}
          customizeLabel="Customize inbound B2B collaboration"
          inherited={describeB2BSetting(defaults.b2bCollaborationInbound)}
          onCustomize={(on) => set('inbound', on ? inboundDraftOf(null, defaults.b2bCollaborationInbound) : null)}
        >
          {inbound && (
            <Stack>
              <TargetAccessEditor
                kind="usersAndGroups"
                value={inbound.usersAndGroups}
                onChange={(usersAndGroups) => set('inbound', { ...inbound, usersAndGroups })}
                error={showErrors ? targetsError('usersAndGroups', inbound.usersAndGroups) : null}
              />
              <TargetAccessEditor
                kind="applications"
                value={inbound.applications}
                onChange={(applications) => set('inbound', { ...inbound, applications })}
                error={showErrors ? targetsError('applications', inbound.applications) : null}
              />
            </Stack>
          )}
        </Section>

        <Section
          legend="Inbound trust"
          description="Claims from the partner's sign-in that Gatehouse accepts instead of asking again."
          partner={partner}
          customized={values.trust !== null}
          customizeLabel="Customize inbound trust"
          inherited={trustSummary(defaults.inboundTrust)}
          onCustomize={(on) => set('trust', on ? trustDraftOf(defaults.inboundTrust) : null)}
        >
          {values.trust && (
            <Stack gap="sm">
              <Switch
                label="Trust multifactor authentication from partner organizations"
                checked={values.trust.isMfaAccepted}
                onChange={(e) => values.trust && set('trust', { ...values.trust, isMfaAccepted: e.currentTarget.checked })}
              />
              <Switch
                label="Trust compliant devices"
                checked={values.trust.isCompliantDeviceAccepted}
                onChange={(e) => values.trust && set('trust', { ...values.trust, isCompliantDeviceAccepted: e.currentTarget.checked })}
              />
            </Stack>
          )}
        </Section>

        <Section
          legend="Automatic redemption"
          description="Invitees from partners skip the consent page when they accept an invitation."
          partner={partner}
          customized={values.consent !== null}
          customizeLabel="Customize automatic redemption"
          inherited={defaults.automaticUserConsentSettings?.inboundAllowed ? 'Invitations are redeemed automatically.' : 'Invitees confirm on the consent page.'}
          onCustomize={(on) => set('consent', on ? consentDraftOf(defaults.automaticUserConsentSettings) : null)}
        >
          {values.consent && (
            <Switch
              label="Automatically redeem invitations (skip consent)"
              checked={values.consent.inboundAllowed}
              onChange={(e) => values.consent && set('consent', { ...values.consent, inboundAllowed: e.currentTarget.checked })}
            />
          )}
        </Section>

        <OutboundSettings settings={settings} />

        <Group justify="flex-end">
          {nothingToSave && (
            <Text size="sm" c="dimmed" role="status">
              Nothing to save: no setting was changed.
            </Text>
          )}
          {actions}
          <Button
            variant="default"
            disabled={!dirty || saving}
            onClick={() => {
              setValues(initial);
              setShowErrors(false);
              onEdit();
            }}
          >
            Discard changes
          </Button>
          <Button type="submit" loading={saving}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface SectionProps {
  legend: string;
  description: string;
  partner: boolean;
  customized: boolean;
  customizeLabel: string;
  /** What the default says, shown while a partner inherits it. */
  inherited: string;
  onCustomize: (on: boolean) => void;
  children: ReactNode;
}

/** One group of settings; for a partner, with a switch between its own values and the default's. */
function Section({ legend, description, partner, customized, customizeLabel, inherited, onCustomize, children }: SectionProps) {
  return (
    <Fieldset legend={legend}>
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {description}
        </Text>
        {partner && (
          <Switch
            label={customizeLabel}
            description={customized ? 'This partner has its own settings.' : 'Off: the default settings apply.'}
            checked={customized}
            onChange={(e) => onCustomize(e.currentTarget.checked)}
          />
        )}
        {partner && !customized ? (
          <Text size="sm">
            <Text span c="dimmed">
              Inherited from the default:{' '}
            </Text>
            {inherited}
          </Text>
        ) : (
          children
        )}
      </Stack>
    </Fieldset>
  );
}

function trustSummary(trust: CrossTenantSettings['inboundTrust']): string {
  if (!trust) return 'Nothing trusted.';
  const trusted = [trust.isMfaAccepted && 'multifactor authentication', trust.isCompliantDeviceAccepted && 'compliant devices'].filter(Boolean);
  return trusted.length ? `Trusts ${trusted.join(' and ')}.` : 'Nothing trusted.';
}

/** Outbound and direct-connect settings exist in Graph's shape, so they are kept, but nothing here acts on them. */
function OutboundSettings({ settings }: { settings: CrossTenantSettings }) {
  const rows: [string, CrossTenantSettings['b2bCollaborationOutbound']][] = [
    ['Outbound B2B collaboration', settings.b2bCollaborationOutbound],
    ['Inbound B2B direct connect', settings.b2bDirectConnectInbound],
    ['Outbound B2B direct connect', settings.b2bDirectConnectOutbound],
  ];
  return (
    <Fieldset legend="Outbound and direct connect (read-only)">
      <Stack gap="xs">
        <Text size="sm" c="dimmed">
          Gatehouse stores these settings for Graph compatibility but does not enforce them: its users do not go out to
          partner organizations through it.
        </Text>
        <List size="sm" aria-label="Outbound and direct connect settings">
          {rows.map(([name, setting]) => (
            <List.Item key={name}>
              {name}: {describeB2BSetting(setting)}
            </List.Item>
          ))}
        </List>
      </Stack>
    </Fieldset>
  );
}
