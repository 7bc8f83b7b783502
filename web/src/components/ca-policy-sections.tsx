/** The sections of the Conditional Access policy editor; each edits one part of the policy body. */
import { Checkbox, Group, MultiSelect, NumberInput, Radio, Select, Stack, Switch, TagsInput, Text } from '@mantine/core';
import type { GuestsOrExternalUsers, NamedLocation, PolicyBody } from '../api/conditional-access.ts';
import { ObjectList } from './ca-object-list.tsx';
import { CLIENT_APPS, GUEST_TYPES, PLATFORMS, RISK_LEVELS, STRENGTHS } from './ca-policy-values.ts';

export type Update = (change: (draft: PolicyBody) => void) => void;
interface Option {
  value: string;
  label: string;
}

const SPECIAL_USERS = ['All', 'None', 'GuestsOrExternalUsers'];

/** A labelled row of radio buttons, one a `[value, label]` option. */
function RadioRow({ label, value, onChange, options }: { label: string; value: string; onChange: (value: string) => void; options: [string, string][] }) {
  return (
    <Radio.Group label={label} value={value} onChange={onChange}>
      <Group mt={4}>
        {options.map(([optionValue, optionLabel]) => (
          <Radio key={optionValue} value={optionValue} label={optionLabel} />
        ))}
      </Group>
    </Radio.Group>
  );
}

/** An include list's mode: everyone (`All`), nobody (`None`), or the ones selected. */
function includeMode(ids: string[]): 'all' | 'none' | 'select' {
  return ids.includes('All') ? 'all' : ids.includes('None') ? 'none' : 'select';
}

/** The include list a newly chosen mode starts with. */
function includeListFor(mode: string): string[] {
  return mode === 'all' ? ['All'] : mode === 'none' ? ['None'] : [];
}

function GuestsEditor({ label, value, onChange }: { label: string; value: GuestsOrExternalUsers | null; onChange: (value: GuestsOrExternalUsers | null) => void }) {
  const types = value ? value.guestOrExternalUserTypes.split(',').filter(Boolean) : [];
  const tenants = value?.externalTenants;
  return (
    <Stack gap={6}>
      <Checkbox
        label={label}
        checked={value !== null}
        onChange={(event) =>
          onChange(event.currentTarget.checked ? { guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest,b2bCollaborationMember', externalTenants: { membershipKind: 'all' } } : null)
        }
      />
      {value && (
        <Stack gap={6} pl="lg">
          <MultiSelect label="Guest or external user types" data={GUEST_TYPES} value={types} onChange={(next) => onChange({ ...value, guestOrExternalUserTypes: next.join(',') })} />
          <RadioRow
            label="Their organizations"
            value={tenants?.membershipKind ?? 'all'}
            onChange={(kind) => onChange({ ...value, externalTenants: kind === 'all' ? { membershipKind: 'all' } : { membershipKind: 'enumerated', members: tenants?.members ?? [] } })}
            options={[['all', 'All organizations'], ['enumerated', 'Selected organizations']]}
          />
          {tenants?.membershipKind === 'enumerated' && (
            <TagsInput
              label="Tenant ids"
              description="The partner's tenant id (or its identity provider's issuer); press Enter after each"
              value={tenants.members ?? []}
              onChange={(members) => onChange({ ...value, externalTenants: { membershipKind: 'enumerated', members } })}
            />
          )}
        </Stack>
      )}
    </Stack>
  );
}

const USER_TARGET_LABELS = {
  include: { guests: 'Guests or external users', roles: 'Directory roles', users: 'Users', groups: 'Groups' },
  exclude: { guests: 'Exclude guests or external users', roles: 'Excluded directory roles', users: 'Excluded users', groups: 'Excluded groups' },
};

/** The users a policy includes or excludes, beyond All/None: guests or external users, directory roles, users and groups. */
function UserTargets({ side, policy, update, roles }: { side: 'include' | 'exclude'; policy: PolicyBody; update: Update; roles: Option[] }) {
  const users = policy.conditions.users;
  const labels = USER_TARGET_LABELS[side];
  const userIds = users[`${side}Users`];
  return (
    <Stack gap="sm" pl="md">
      <GuestsEditor label={labels.guests} value={users[`${side}GuestsOrExternalUsers`]} onChange={(value) => update((d) => void (d.conditions.users[`${side}GuestsOrExternalUsers`] = value))} />
      <MultiSelect label={labels.roles} data={roles} value={users[`${side}Roles`]} searchable onChange={(value) => update((d) => void (d.conditions.users[`${side}Roles`] = value))} />
      <ObjectList kind="user" label={labels.users} ids={side === 'include' ? userIds.filter((id) => !SPECIAL_USERS.includes(id)) : userIds} onChange={(ids) => update((d) => void (d.conditions.users[`${side}Users`] = ids))} />
      <ObjectList kind="group" label={labels.groups} ids={users[`${side}Groups`]} onChange={(ids) => update((d) => void (d.conditions.users[`${side}Groups`] = ids))} />
    </Stack>
  );
}

export function UsersSection({ policy, update, roles }: { policy: PolicyBody; update: Update; roles: Option[] }) {
  const users = policy.conditions.users;
  const mode = includeMode(users.includeUsers);
  return (
    <Stack>
      <RadioRow
        label="Include"
        value={mode}
        onChange={(next) =>
          update((draft) => {
            const u = draft.conditions.users;
            u.includeUsers = includeListFor(next);
            if (next !== 'select') {
              u.includeGroups = [];
              u.includeRoles = [];
              u.includeGuestsOrExternalUsers = null;
            }
          })
        }
        options={[['none', 'None'], ['all', 'All users'], ['select', 'Select users and groups']]}
      />
      {mode === 'select' && <UserTargets side="include" policy={policy} update={update} roles={roles} />}
      <Text fw={500} size="sm">
        Exclude
      </Text>
      <UserTargets side="exclude" policy={policy} update={update} roles={roles} />
    </Stack>
  );
}

export function ApplicationsSection({ policy, update, applications }: { policy: PolicyBody; update: Update; applications: Option[] }) {
  const apps = policy.conditions.applications;
  const mode = includeMode(apps.includeApplications);
  return (
    <Stack>
      <RadioRow label="Include" value={mode} onChange={(next) => update((d) => void (d.conditions.applications.includeApplications = includeListFor(next)))} options={[['all', 'All applications'], ['select', 'Select applications'], ['none', 'None']]} />
      {mode === 'select' && (
        <MultiSelect label="Applications" data={applications} value={apps.includeApplications} searchable onChange={(value) => update((d) => void (d.conditions.applications.includeApplications = value))} />
      )}
      <MultiSelect label="Excluded applications" data={applications} value={apps.excludeApplications} searchable onChange={(value) => update((d) => void (d.conditions.applications.excludeApplications = value))} />
    </Stack>
  );
}

export function ConditionsSection({ policy, update, locations }: { policy: PolicyBody; update: Update; locations: NamedLocation[] }) {
  const c = policy.conditions;
  const clientsConfigured = !(c.clientAppTypes.length === 0 || c.clientAppTypes.includes('all'));
  const locationOptions = locations.map((l) => ({ value: l.id, label: l.displayName }));
  const locationMode = c.locations ? (c.locations.includeLocations.includes('All') ? 'All' : c.locations.includeLocations.includes('AllTrusted') ? 'AllTrusted' : 'selected') : 'All';
  return (
    <Stack>
      <Switch label="Client apps" checked={clientsConfigured} onChange={(event) => update((d) => void (d.conditions.clientAppTypes = event.currentTarget.checked ? ['browser'] : ['all']))} />
      {clientsConfigured && (
        <Checkbox.Group value={c.clientAppTypes} onChange={(value) => update((d) => void (d.conditions.clientAppTypes = value))} pl="lg">
          <Group>
            {CLIENT_APPS.map((app) => (
              <Checkbox key={app.value} value={app.value} label={app.label} />
            ))}
          </Group>
        </Checkbox.Group>
      )}
      <Switch label="Device platforms" checked={c.platforms !== null} onChange={(event) => update((d) => void (d.conditions.platforms = event.currentTarget.checked ? { includePlatforms: ['all'], excludePlatforms: [] } : null))} />
      {c.platforms && (
        <Stack gap={6} pl="lg">
          <MultiSelect
            label="Include platforms"
            description="Any device, or the platforms you pick"
            data={[{ value: 'all', label: 'Any device' }, ...PLATFORMS]}
            value={c.platforms.includePlatforms}
            onChange={(value) => update((d) => void ((d.conditions.platforms as NonNullable<typeof c.platforms>).includePlatforms = value.includes('all') && value.length > 1 ? value.filter((v) => v !== 'all') : value))}
          />
          <MultiSelect label="Exclude platforms" data={PLATFORMS} value={c.platforms.excludePlatforms} onChange={(value) => update((d) => void ((d.conditions.platforms as NonNullable<typeof c.platforms>).excludePlatforms = value))} />
        </Stack>
      )}
      <Switch label="Locations" checked={c.locations !== null} onChange={(event) => update((d) => void (d.conditions.locations = event.currentTarget.checked ? { includeLocations: ['All'], excludeLocations: [] } : null))} />
      {c.locations && (
        <Stack gap={6} pl="lg">
          <RadioRow
            label="Include locations"
            value={locationMode}
            onChange={(mode) => update((d) => void ((d.conditions.locations as NonNullable<typeof c.locations>).includeLocations = mode === 'selected' ? [] : [mode]))}
            options={[['All', 'Any location'], ['AllTrusted', 'All trusted locations'], ['selected', 'Selected locations']]}
          />
          {locationMode === 'selected' && (
            <MultiSelect label="Included named locations" data={locationOptions} value={c.locations.includeLocations} onChange={(value) => update((d) => void ((d.conditions.locations as NonNullable<typeof c.locations>).includeLocations = value))} />
          )}
          <Checkbox
            label="Exclude all trusted locations"
            checked={c.locations.excludeLocations.includes('AllTrusted')}
            onChange={(event) =>
              update((d) => {
                const l = d.conditions.locations as NonNullable<typeof c.locations>;
                l.excludeLocations = event.currentTarget.checked ? ['AllTrusted', ...l.excludeLocations] : l.excludeLocations.filter((id) => id !== 'AllTrusted');
              })
            }
          />
          <MultiSelect
            label="Excluded named locations"
            data={locationOptions}
            value={c.locations.excludeLocations.filter((id) => id !== 'AllTrusted')}
            onChange={(value) => update((d) => void ((d.conditions.locations as NonNullable<typeof c.locations>).excludeLocations = [...(c.locations?.excludeLocations.includes('AllTrusted') ? ['AllTrusted'] : []), ...value]))}
          />
        </Stack>
      )}
      <MultiSelect label="Sign-in risk" description="Empty means any risk" data={RISK_LEVELS} value={c.signInRiskLevels} onChange={(value) => update((d) => void (d.conditions.signInRiskLevels = value))} />
      <MultiSelect label="User risk" description="Empty means any risk" data={RISK_LEVELS} value={c.userRiskLevels} onChange={(value) => update((d) => void (d.conditions.userRiskLevels = value))} />
    </Stack>
  );
}

export function ControlsSection({ policy, update }: { policy: PolicyBody; update: Update }) {
  const grant = policy.grantControls;
  const mode = grant === null ? 'none' : grant.builtInControls.includes('block') ? 'block' : 'grant';
  const has = (control: string) => grant?.builtInControls.includes(control) ?? false;
  const toggle = (control: string, on: boolean) =>
    update((d) => {
      const g = d.grantControls as NonNullable<typeof grant>;
      g.builtInControls = on ? [...g.builtInControls.filter((c) => c !== control), control] : g.builtInControls.filter((c) => c !== control);
    });
  const frequency = policy.sessionControls?.signInFrequency ?? null;
  const browser = policy.sessionControls?.persistentBrowser ?? null;
  const setSession = (change: (session: NonNullable<PolicyBody['sessionControls']>) => void) =>
    update((d) => {
      d.sessionControls ??= { signInFrequency: null, persistentBrowser: null };
      change(d.sessionControls);
      if (!d.sessionControls.signInFrequency && !d.sessionControls.persistentBrowser) d.sessionControls = null;
    });
  return (
    <Stack>
      <RadioRow
        label="Grant"
        value={mode}
        onChange={(next) =>
          update((d) => {
            d.grantControls = next === 'none' ? null : { operator: 'OR', builtInControls: next === 'block' ? ['block'] : ['mfa'], authenticationStrength: null, termsOfUse: [] };
          })
        }
        options={[['block', 'Block access'], ['grant', 'Grant access'], ['none', 'No grant controls (session controls only)']]}
      />
      {mode === 'grant' && grant && (
        <Stack gap={6} pl="lg">
          <Checkbox label="Require multifactor authentication" checked={has('mfa')} onChange={(event) => toggle('mfa', event.currentTarget.checked)} />
          <Select
            label="Require authentication strength"
            data={STRENGTHS}
            clearable
            value={grant.authenticationStrength?.id ?? null}
            onChange={(id) => update((d) => void ((d.grantControls as NonNullable<typeof grant>).authenticationStrength = id ? { id } : null))}
          />
          <Checkbox label="Require a compliant device (vouched for by the partner)" checked={has('compliantDevice')} onChange={(event) => toggle('compliantDevice', event.currentTarget.checked)} />
          <RadioRow
            label="For multiple controls"
            value={grant.operator}
            onChange={(operator) => update((d) => void ((d.grantControls as NonNullable<typeof grant>).operator = operator as 'AND' | 'OR'))}
            options={[['AND', 'Require all the selected controls'], ['OR', 'Require one of the selected controls']]}
          />
        </Stack>
      )}
      <Switch
        label="Sign-in frequency"
        checked={frequency?.isEnabled ?? false}
        onChange={(event) => setSession((s) => void (s.signInFrequency = event.currentTarget.checked ? { isEnabled: true, type: 'hours', value: 8, frequencyInterval: 'timeBased' } : null))}
      />
      {frequency?.isEnabled && (
        <Group pl="lg" align="flex-end">
          <Radio.Group
            value={frequency.frequencyInterval}
            onChange={(interval) => setSession((s) => void (s.signInFrequency = interval === 'everyTime' ? { isEnabled: true, type: null, value: null, frequencyInterval: 'everyTime' } : { isEnabled: true, type: 'hours', value: 8, frequencyInterval: 'timeBased' }))}
          >
            <Group>
              <Radio value="timeBased" label="Periodic reauthentication" />
              <Radio value="everyTime" label="Every time" />
            </Group>
          </Radio.Group>
          {frequency.frequencyInterval === 'timeBased' && (
            <>
              <NumberInput label="Every" min={1} max={frequency.type === 'days' ? 365 : 23} value={frequency.value ?? 1} onChange={(value) => setSession((s) => void ((s.signInFrequency as NonNullable<typeof frequency>).value = Number(value) || 1))} w={100} />
              <Select label="Unit" data={[{ value: 'hours', label: 'Hours' }, { value: 'days', label: 'Days' }]} value={frequency.type} onChange={(type) => setSession((s) => void ((s.signInFrequency as NonNullable<typeof frequency>).type = (type ?? 'hours') as 'hours' | 'days'))} w={120} />
            </>
          )}
        </Group>
      )}
      <Switch
        label="Persistent browser session"
        checked={browser?.isEnabled ?? false}
        onChange={(event) => setSession((s) => void (s.persistentBrowser = event.currentTarget.checked ? { isEnabled: true, mode: 'never' } : null))}
      />
      {browser?.isEnabled && (
        <Select pl="lg" label="Keep browser sessions" data={[{ value: 'never', label: 'Never persistent' }, { value: 'always', label: 'Always persistent' }]} value={browser.mode} onChange={(mode) => setSession((s) => void ((s.persistentBrowser as NonNullable<typeof browser>).mode = (mode ?? 'never') as 'always' | 'never'))} w={260} />
      )}
    </Stack>
  );
}
