import { Button, Group, NumberInput, Paper, Radio, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { AllowInvitesFrom, ExternalCollaborationPatch, ExternalCollaborationSettings } from '../api/invitations.ts';

const WHO_CAN_INVITE: { value: AllowInvitesFrom; label: string; description: string }[] = [
  {
    value: 'none',
    label: 'No one',
    description: 'Nobody in the organization can invite guests, administrators included.',
  },
  {
    value: 'adminsAndGuestInviters',
    label: 'Administrators and guest inviters',
    description: 'Only administrators and users with the Guest Inviter role can invite guests.',
  },
  {
    value: 'adminsGuestInvitersAndAllMembers',
    label: 'Administrators, guest inviters and members',
    description: 'Any member of the organization can invite guests; guests cannot.',
  },
  {
    value: 'everyone',
    label: 'Everyone',
    description: 'Anyone in the organization can invite guests, guests included.',
  },
];

/** Entra's guest user role ids, with what each lets a guest see. */
const GUEST_ACCESS: { value: string; label: string; description: string }[] = [
  {
    value: 'a0b1b346-4d3e-4e8b-98f8-753987be4970',
    label: 'Same as members',
    description: 'Guests can see the directory just like members can.',
  },
  {
    value: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
    label: 'Limited (default)',
    description: 'Guests can look up users and groups they know about, but cannot browse the directory.',
  },
  {
    value: '2af84b1e-32c8-42b7-82bc-daa82404023b',
    label: 'Most restricted',
    description: 'Guests can see only their own profile and their own group memberships.',
  },
];

type DomainMode = 'none' | 'allow' | 'block';

const DOMAIN_MODES: { value: DomainMode; label: string }[] = [
  { value: 'none', label: 'No restrictions' },
  { value: 'allow', label: 'Allow only these domains' },
  { value: 'block', label: 'Block these domains' },
];

/**
 * The form's state: settings as edited, with a mode choosing which of the two exclusive domain lists applies. Both
 * lists are kept while editing, so switching from blocking to allowing never turns blocked domains into allowed ones.
 */
interface FormValues {
  allowInvitesFrom: AllowInvitesFrom;
  guestUserRoleId: string;
  allowExternalIdentitiesToLeave: boolean;
  emailOneTimePasscode: boolean;
  domainMode: DomainMode;
  allowedDomains: string[];
  blockedDomains: string[];
  invitationLifetimeInDays: number | string;
  allowedRedirectUrls: string[];
  termsOfUseUrl: string;
  privacyStatementUrl: string;
}

function valuesOf(settings: ExternalCollaborationSettings): FormValues {
  const domainMode: DomainMode =
    settings.allowedDomains.length > 0 ? 'allow' : settings.blockedDomains.length > 0 ? 'block' : 'none';
  return {
    allowInvitesFrom: settings.allowInvitesFrom,
    guestUserRoleId: settings.guestUserRoleId.toLowerCase(),
    allowExternalIdentitiesToLeave: settings.allowExternalIdentitiesToLeave,
    emailOneTimePasscode: settings.emailOneTimePasscode === 'enabled',
    domainMode,
    allowedDomains: settings.allowedDomains,
    blockedDomains: settings.blockedDomains,
    invitationLifetimeInDays: settings.invitationLifetimeInDays,
    allowedRedirectUrls: settings.allowedRedirectUrls,
    termsOfUseUrl: settings.termsOfUseUrl ?? '',
    privacyStatementUrl: settings.privacyStatementUrl ?? '',
  };
}

/** Changes whenever the saved settings change, for use as the form's `key`. */
export function externalCollaborationFormKey(settings: ExternalCollaborationSettings): string {
  return JSON.stringify(settings);
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The settings the form's values stand for: only the list the mode chooses is kept, the other is emptied. */
function settingsOf(values: FormValues): ExternalCollaborationSettings {
  return {
    allowInvitesFrom: values.allowInvitesFrom,
    guestUserRoleId: values.guestUserRoleId,
    allowExternalIdentitiesToLeave: values.allowExternalIdentitiesToLeave,
    emailOneTimePasscode: values.emailOneTimePasscode ? 'enabled' : 'disabled',
    allowedDomains: values.domainMode === 'allow' ? values.allowedDomains : [],
    blockedDomains: values.domainMode === 'block' ? values.blockedDomains : [],
    invitationLifetimeInDays: Number(values.invitationLifetimeInDays),
    allowedRedirectUrls: values.allowedRedirectUrls,
    termsOfUseUrl: values.termsOfUseUrl.trim() || null,
    privacyStatementUrl: values.privacyStatementUrl.trim() || null,
  };
}

/**
 * Only changed settings are sent. Each domain list is compared on its own: switching from allowing to blocking
 * changes both, so both travel in the same request and the server never sees two non-empty lists.
 */
function diff(before: ExternalCollaborationSettings, after: ExternalCollaborationSettings): ExternalCollaborationPatch {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof ExternalCollaborationSettings)[]) {
    const a = before[key];
    const b = after[key];
    const same = Array.isArray(a) && Array.isArray(b) ? sameList(a, b) : a === b;
    if (!same) patch[key] = b;
  }
  return patch as ExternalCollaborationPatch;
}

function lifetimeError(value: number | string): string | null {
  const days = Number(value);
  return value === '' || !Number.isInteger(days) || days < 1 || days > 365 ? 'Enter a whole number of days from 1 to 365.' : null;
}

interface ExternalCollaborationFormProps {
  settings: ExternalCollaborationSettings;
  saving: boolean;
  onSave: (patch: ExternalCollaborationPatch) => void;
  /** Called on every edit, e.g. to clear an earlier "saved" notice. */
  onEdit: () => void;
}

/** Edits the external collaboration settings. Remount it (key on the settings) to pick up saved changes. */
export function ExternalCollaborationForm({ settings, saving, onSave, onEdit }: ExternalCollaborationFormProps) {
  const initial = valuesOf(settings);
  const [values, setValues] = useState<FormValues>(initial);
  const [showErrors, setShowErrors] = useState(false);
  const [nothingToSave, setNothingToSave] = useState(false);
  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => {
    setValues((prev) => ({ ...prev, [key]: value }));
    setNothingToSave(false);
    onEdit();
  };
  const patch = diff(settingsOf(initial), settingsOf(values));
  const dirty = Object.keys(patch).length > 0;
  const daysError = lifetimeError(values.invitationLifetimeInDays);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (daysError) {
      setShowErrors(true);
      return;
    }
    // Save stays enabled even without changes: a domain still being typed becomes a tag only when the field
    // loses focus, which happens as Save is pressed.
    if (dirty) onSave(patch);
    else setNothingToSave(true);
  };

  return (
    <form onSubmit={onSubmit} aria-label="External collaboration settings" noValidate>
      <Stack gap="lg">
        <Radio.Group
          label="Who can invite"
          description="Who may send invitations to people outside the organization."
          value={values.allowInvitesFrom}
          onChange={(value) => set('allowInvitesFrom', value as AllowInvitesFrom)}
        >
          <Stack gap="xs" mt="xs">
            {WHO_CAN_INVITE.map((option) => (
              <Radio key={option.value} value={option.value} label={option.label} description={option.description} />
            ))}
          </Stack>
        </Radio.Group>

        <Radio.Group
          label="Guest access"
          description="How much of the directory guests can see."
          value={values.guestUserRoleId}
          onChange={(value) => set('guestUserRoleId', value)}
        >
          <Stack gap="xs" mt="xs">
            {GUEST_ACCESS.map((option) => (
              <Radio key={option.value} value={option.value} label={option.label} description={option.description} />
            ))}
          </Stack>
        </Radio.Group>

        <Switch
          label="Guests can leave the organization"
          description="Guests may remove themselves from this organization without asking an administrator."
          checked={values.allowExternalIdentitiesToLeave}
          onChange={(e) => set('allowExternalIdentitiesToLeave', e.currentTarget.checked)}
        />
        <Switch
          label="Email one-time passcode"
          description="Invitees can accept by entering a code mailed to their address."
          checked={values.emailOneTimePasscode}
          onChange={(e) => set('emailOneTimePasscode', e.currentTarget.checked)}
        />

        <Paper withBorder p="md">
          <Stack>
            <Radio.Group
              label="Domain restrictions"
              description="Which email domains may be invited. A domain also covers its subdomains."
              value={values.domainMode}
              onChange={(value) => set('domainMode', value as DomainMode)}
            >
              <Group gap="lg" mt="xs">
                {DOMAIN_MODES.map((mode) => (
                  <Radio key={mode.value} value={mode.value} label={mode.label} />
                ))}
              </Group>
            </Radio.Group>
            {values.domainMode !== 'none' && (
              <TagsInput
                // A fresh input per mode, so text typed for one list never lands in the other.
                key={values.domainMode}
                label="Domains"
                description={
                  values.domainMode === 'allow'
                    ? 'Only these domains may be invited. Type one such as vendor.com and press Enter.'
                    : 'These domains may not be invited. Type one such as competitor.com and press Enter.'
                }
                splitChars={[',', ' ', ';']}
                value={values.domainMode === 'allow' ? values.allowedDomains : values.blockedDomains}
                onChange={(domains) => set(values.domainMode === 'allow' ? 'allowedDomains' : 'blockedDomains', domains)}
              />
            )}
          </Stack>
        </Paper>

        <NumberInput
          label="Invitation link valid for (days)"
          min={1}
          max={365}
          allowDecimal={false}
          allowNegative={false}
          w={{ base: '100%', sm: 260 }}
          value={values.invitationLifetimeInDays}
          onChange={(value) => set('invitationLifetimeInDays', value)}
          error={showErrors ? daysError : null}
        />

        <TagsInput
          label="Allowed redirect URLs"
          description="Where invitees may be sent after accepting, besides this portal. A URL ending in * allows every URL that starts with the part before it."
          splitChars={[' ']}
          value={values.allowedRedirectUrls}
          onChange={(urls) => set('allowedRedirectUrls', urls)}
        />

        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Terms of use URL"
            description="Invitees must accept these before joining. Leave empty for none."
            type="url"
            value={values.termsOfUseUrl}
            onChange={(e) => set('termsOfUseUrl', e.currentTarget.value)}
          />
          <TextInput
            label="Privacy statement URL"
            description="Shown to invitees when they accept. Leave empty for none."
            type="url"
            value={values.privacyStatementUrl}
            onChange={(e) => set('privacyStatementUrl', e.currentTarget.value)}
          />
        </SimpleGrid>

        <Group justify="flex-end">
          {nothingToSave && (
            <Text size="sm" c="dimmed" role="status">
              Nothing to save: no setting was changed.
            </Text>
          )}
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
