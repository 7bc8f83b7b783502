/** Starting points of the Conditional Access editor: an empty policy, the templates, and labels for enum values. */
import type { GuestsOrExternalUsers, PolicyBody, PolicyState } from '../api/conditional-access.ts';

export const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const ADMIN_ROLES = [
  GLOBAL_ADMINISTRATOR,
  '194ae4cb-b126-40b2-bd5b-6091b380977d', // Security Administrator
  'fe930be7-5e62-47db-91af-98c3a49a38b1', // User Administrator
  'b0f54661-2d74-4c50-afa3-1ec803f12efe', // Conditional Access Administrator
];
export const MFA_STRENGTH = '00000000-0000-0000-0000-000000000002';
export const PHISHING_RESISTANT_STRENGTH = '00000000-0000-0000-0000-000000000004';

export const STATE_LABELS: Record<PolicyState, string> = {
  enabled: 'On',
  enabledForReportingButNotEnforced: 'Report-only',
  disabled: 'Off',
};
export const STATE_COLORS: Record<PolicyState, string> = { enabled: 'green', enabledForReportingButNotEnforced: 'yellow', disabled: 'gray' };

export const GUEST_TYPES = [
  { value: 'internalGuest', label: 'Local guest users' },
  { value: 'b2bCollaborationGuest', label: 'B2B collaboration guest users' },
  { value: 'b2bCollaborationMember', label: 'B2B collaboration member users' },
  { value: 'b2bDirectConnectUser', label: 'B2B direct connect users' },
  { value: 'otherExternalUser', label: 'Other external users' },
  { value: 'serviceProvider', label: 'Service provider users' },
];
export const CLIENT_APPS = [
  { value: 'browser', label: 'Browser' },
  { value: 'mobileAppsAndDesktopClients', label: 'Mobile apps and desktop clients' },
  { value: 'exchangeActiveSync', label: 'Exchange ActiveSync clients' },
  { value: 'other', label: 'Other clients' },
];
export const PLATFORMS = [
  { value: 'android', label: 'Android' },
  { value: 'iOS', label: 'iOS' },
  { value: 'windows', label: 'Windows' },
  { value: 'windowsPhone', label: 'Windows Phone' },
  { value: 'macOS', label: 'macOS' },
  { value: 'linux', label: 'Linux' },
];
export const RISK_LEVELS = [
  { value: 'high', label: 'High' },
  { value: 'medium', label: 'Medium' },
  { value: 'low', label: 'Low' },
  { value: 'none', label: 'No risk' },
];
export const STRENGTHS = [
  { value: MFA_STRENGTH, label: 'Multifactor authentication' },
  { value: PHISHING_RESISTANT_STRENGTH, label: 'Phishing-resistant MFA (passkeys)' },
];

/** A policy with nothing chosen yet; new policies start report-only. */
export function emptyPolicy(): PolicyBody {
  return {
    displayName: '',
    state: 'enabledForReportingButNotEnforced',
    conditions: {
      users: { includeUsers: [], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [], includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null },
      applications: { includeApplications: ['All'], excludeApplications: [] },
      clientAppTypes: ['all'],
      platforms: null,
      locations: null,
      signInRiskLevels: [],
      userRiskLevels: [],
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: null, termsOfUse: [] },
    sessionControls: null,
  };
}

const allGuests = (): GuestsOrExternalUsers => ({
  guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest,b2bCollaborationMember',
  externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' },
});

export interface PolicyTemplate {
  name: string;
  description: string;
  build: () => PolicyBody;
}

/** Templates as Entra offers them; each starts report-only so its effect shows in the sign-in log first. */
export const TEMPLATES: PolicyTemplate[] = [
  {
    name: 'Require MFA for guests',
    description: 'Guests and external users must do multifactor authentication (their own organization’s MFA counts where trusted).',
    build: () => {
      const policy = emptyPolicy();
      policy.displayName = 'Require MFA for guests';
      policy.conditions.users.includeGuestsOrExternalUsers = allGuests();
      return policy;
    },
  },
  {
    name: 'Block access from blocked countries',
    description: 'Everyone is refused from the countries of the named locations you pick.',
    build: () => {
      const policy = emptyPolicy();
      policy.displayName = 'Block access from blocked countries';
      policy.conditions.users.includeUsers = ['All'];
      policy.conditions.locations = { includeLocations: [], excludeLocations: [] };
      policy.grantControls = { operator: 'OR', builtInControls: ['block'], authenticationStrength: null, termsOfUse: [] };
      return policy;
    },
  },
  {
    name: 'Require phishing-resistant MFA for admins',
    description: 'Administrators must sign in with a passkey.',
    build: () => {
      const policy = emptyPolicy();
      policy.displayName = 'Require phishing-resistant MFA for admins';
      policy.conditions.users.includeRoles = [...ADMIN_ROLES];
      policy.grantControls = { operator: 'OR', builtInControls: [], authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH }, termsOfUse: [] };
      return policy;
    },
  },
  {
    name: 'Sign-in frequency 8h for partners',
    description: 'Partners’ people sign in again every 8 hours.',
    build: () => {
      const policy = emptyPolicy();
      policy.displayName = 'Sign-in frequency 8h for partners';
      policy.conditions.users.includeGuestsOrExternalUsers = { ...allGuests(), guestOrExternalUserTypes: 'b2bCollaborationGuest,b2bCollaborationMember' };
      policy.grantControls = null;
      policy.sessionControls = { signInFrequency: { isEnabled: true, type: 'hours', value: 8, frequencyInterval: 'timeBased' }, persistentBrowser: null };
      return policy;
    },
  },
];

/** The editable part of a stored policy (read-only properties and Graph-only empty ones left out). */
export function bodyOf(policy: PolicyBody): PolicyBody {
  const { displayName, state, conditions, grantControls, sessionControls } = policy;
  return structuredClone({ displayName, state, conditions, grantControls, sessionControls });
}

/** "Guests (B2B collaboration guest users) and 2 users" — a line per policy in the list. */
export function summariseUsers(policy: PolicyBody): string {
  const users = policy.conditions.users;
  if (users.includeUsers.includes('All')) return 'All users';
  if (users.includeUsers.includes('None')) return 'Nobody';
  const parts: string[] = [];
  if (users.includeGuestsOrExternalUsers) parts.push('Guests or external users');
  if (users.includeUsers.includes('GuestsOrExternalUsers')) parts.push('Guests or external users');
  const named = users.includeUsers.filter((id) => id !== 'GuestsOrExternalUsers').length;
  if (named) parts.push(`${named} user${named === 1 ? '' : 's'}`);
  if (users.includeGroups.length) parts.push(`${users.includeGroups.length} group${users.includeGroups.length === 1 ? '' : 's'}`);
  if (users.includeRoles.length) parts.push(`${users.includeRoles.length} role${users.includeRoles.length === 1 ? '' : 's'}`);
  return [...new Set(parts)].join(', ') || 'Nobody';
}

export function summariseControls(policy: PolicyBody): string {
  const grant = policy.grantControls;
  const parts: string[] = [];
  if (grant?.builtInControls.includes('block')) return 'Block';
  for (const control of grant?.builtInControls ?? []) parts.push(control === 'mfa' ? 'MFA' : control);
  if (grant?.authenticationStrength) parts.push(grant.authenticationStrength.id === PHISHING_RESISTANT_STRENGTH ? 'Phishing-resistant MFA' : 'MFA strength');
  const frequency = policy.sessionControls?.signInFrequency;
  if (frequency?.isEnabled) parts.push(frequency.frequencyInterval === 'everyTime' ? 'Sign in every time' : `Sign-in every ${frequency.value} ${frequency.type}`);
  if (policy.sessionControls?.persistentBrowser?.isEnabled) parts.push(`Persistent browser: ${policy.sessionControls.persistentBrowser.mode}`);
  return parts.join(grant?.operator === 'AND' ? ' and ' : ', ') || '—';
}
