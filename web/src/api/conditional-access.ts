/** Conditional Access policies, named locations and what-if (Graph /identity/conditionalAccess): shapes and hooks. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { seg, withQuery, type ODataPage } from './odata.ts';

export type PolicyState = 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
export type DevicePlatform = 'android' | 'iOS' | 'windows' | 'windowsPhone' | 'macOS' | 'linux';
export type RiskLevel = 'none' | 'low' | 'medium' | 'high';

export interface GuestsOrExternalUsers {
  guestOrExternalUserTypes: string;
  externalTenants: { '@odata.type'?: string; membershipKind: 'all' | 'enumerated'; members?: string[] } | null;
}

export interface PolicyConditions {
  users: {
    includeUsers: string[];
    excludeUsers: string[];
    includeGroups: string[];
    excludeGroups: string[];
    includeRoles: string[];
    excludeRoles: string[];
    includeGuestsOrExternalUsers: GuestsOrExternalUsers | null;
    excludeGuestsOrExternalUsers: GuestsOrExternalUsers | null;
  };
  applications: { includeApplications: string[]; excludeApplications: string[] };
  clientAppTypes: string[];
  platforms: { includePlatforms: string[]; excludePlatforms: string[] } | null;
  locations: { includeLocations: string[]; excludeLocations: string[] } | null;
  signInRiskLevels: string[];
  userRiskLevels: string[];
}

export interface GrantControls {
  operator: 'AND' | 'OR';
  builtInControls: string[];
  authenticationStrength: { id: string; displayName?: string } | null;
  termsOfUse: string[];
}

export interface SessionControls {
  signInFrequency: { isEnabled: boolean; type: 'hours' | 'days' | null; value: number | null; frequencyInterval: 'timeBased' | 'everyTime' } | null;
  persistentBrowser: { isEnabled: boolean; mode: 'always' | 'never' } | null;
}

export interface ConditionalAccessPolicy {
  id: string;
  displayName: string;
  state: PolicyState;
  createdDateTime: string;
  modifiedDateTime: string;
  conditions: PolicyConditions;
  grantControls: GrantControls | null;
  sessionControls: SessionControls | null;
}

/** What the editor sends: the policy without its read-only properties. */
export type PolicyBody = Pick<ConditionalAccessPolicy, 'displayName' | 'state' | 'conditions' | 'grantControls' | 'sessionControls'>;

export const IP_LOCATION = '#microsoft.graph.ipNamedLocation';
export const COUNTRY_LOCATION = '#microsoft.graph.countryNamedLocation';

export interface IpNamedLocation {
  '@odata.type': typeof IP_LOCATION;
  id: string;
  displayName: string;
  isTrusted: boolean;
  ipRanges: { '@odata.type': string; cidrAddress: string }[];
  createdDateTime: string;
  modifiedDateTime: string;
}

export interface CountryNamedLocation {
  '@odata.type': typeof COUNTRY_LOCATION;
  id: string;
  displayName: string;
  countriesAndRegions: string[];
  includeUnknownCountriesAndRegions: boolean;
  countryLookupMethod: 'clientIpAddress';
  createdDateTime: string;
  modifiedDateTime: string;
}

export type NamedLocation = IpNamedLocation | CountryNamedLocation;

export interface WhatIfRequest {
  userId: string;
  applicationId: string;
  devicePlatform: DevicePlatform | 'all';
  clientAppType: 'all' | 'browser' | 'mobileAppsAndDesktopClients';
  signInRiskLevel: RiskLevel;
  userRiskLevel: RiskLevel;
  country: string;
  ipAddress: string;
  isCompliant: boolean;
}

export interface WhatIfPolicyResult {
  id: string;
  displayName: string;
  result: string;
  reasons: string[];
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  analysisReasons: string;
}

export interface WhatIfAnswer {
  value: (ConditionalAccessPolicy & { policyApplies: boolean; analysisReasons: string })[];
  '@gatehouse.decision': {
    outcome: 'allow' | 'block' | 'interrupt';
    required: string[];
    conditionalAccessStatus: string;
    excludedAsEmergencyAccess: boolean;
    policies: WhatIfPolicyResult[];
    signIn: {
      userType: string;
      externalUserKind: string | null;
      homeTenantId: string | null;
      platform: string | null;
      clientAppType: string;
      location: { ipAddress: string | null; countryOrRegion: string | null; city: string | null; matchedLocationIds: string[]; isTrusted: boolean };
    };
  };
}

/** Gatehouse's own applications a policy can name (kept in step with src/auth/conditional-access.applications.ts). */
export const BUILT_IN_APPLICATIONS = [
  { appId: '5f1c2a8e-7d34-4b6f-9a0e-3c8d1b7e2f45', displayName: 'Gatehouse portal' },
  { appId: '00000003-0000-0000-c000-000000000000', displayName: 'Gatehouse API (Microsoft Graph-compatible)' },
  { appId: 'gatehouse-cli', displayName: 'Gatehouse CLI' },
] as const;

export const caKeys = {
  policies: ['conditionalAccess', 'policies'] as const,
  locations: ['conditionalAccess', 'namedLocations'] as const,
  applications: ['conditionalAccess', 'applications'] as const,
  roles: ['conditionalAccess', 'roles'] as const,
};

const BASE = '/v1.0/identity/conditionalAccess';

export function usePolicies() {
  const api = useApi();
  return useQuery({
    queryKey: caKeys.policies,
    queryFn: ({ signal }) => api.get<ODataPage<ConditionalAccessPolicy>>(withQuery(`${BASE}/policies`, { $top: 999 }), { signal }),
  });
}

/** Save (create or change) a policy; `confirmLockoutRisk` repeats a change the lockout guard asked to confirm. */
export function useSavePolicy() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body, confirmLockoutRisk }: { id: string | null; body: PolicyBody; confirmLockoutRisk?: boolean }): Promise<void> => {
      const query = confirmLockoutRisk ? { confirmLockoutRisk: 'true' } : {};
      if (id === null) await api.request<ConditionalAccessPolicy>('POST', withQuery(`${BASE}/policies`, query), { body });
      else await api.request<void>('PATCH', withQuery(`${BASE}/policies/${seg(id)}`, query), { body });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: caKeys.policies }),
  });
}

export function useDeletePolicy() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, confirmLockoutRisk }: { id: string; confirmLockoutRisk?: boolean }) =>
      api.request<void>('DELETE', withQuery(`${BASE}/policies/${seg(id)}`, confirmLockoutRisk ? { confirmLockoutRisk: 'true' } : {})),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: caKeys.policies }),
  });
}

export function useNamedLocations() {
  const api = useApi();
  return useQuery({
    queryKey: caKeys.locations,
    queryFn: ({ signal }) => api.get<ODataPage<NamedLocation>>(withQuery(`${BASE}/namedLocations`, { $top: 999 }), { signal }),
  });
}

export function useSaveNamedLocation() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: string | null; body: Record<string, unknown> }): Promise<void> => {
      if (id === null) await api.request<NamedLocation>('POST', `${BASE}/namedLocations`, { body });
      else await api.request<void>('PATCH', `${BASE}/namedLocations/${seg(id)}`, { body });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: caKeys.locations }),
  });
}

export function useDeleteNamedLocation() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<void>('DELETE', `${BASE}/namedLocations/${seg(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: caKeys.locations }),
  });
}

/** Registered applications plus Gatehouse's own, for the application condition and what-if. */
export function useTargetApplications() {
  const api = useApi();
  return useQuery({
    queryKey: caKeys.applications,
    queryFn: async ({ signal }) => {
      const registered = await api
        .get<ODataPage<{ appId: string; displayName: string | null }>>(withQuery('/v1.0/applications', { $top: 999, $select: 'appId,displayName' }), { signal })
        .then((page) => page.value)
        // Without permission to list app registrations the built-in ones still work.
        .catch(() => []);
      return [...BUILT_IN_APPLICATIONS, ...registered.map((app) => ({ appId: app.appId, displayName: app.displayName ?? app.appId }))];
    },
  });
}

export function useDirectoryRoles() {
  const api = useApi();
  return useQuery({
    queryKey: caKeys.roles,
    queryFn: ({ signal }) => api.get<ODataPage<{ id: string; displayName: string }>>('/v1.0/roleManagement/directory/roleDefinitions', { signal }).then((page) => page.value),
  });
}

export function useWhatIf() {
  const api = useApi();
  return useMutation({
    mutationFn: (input: WhatIfRequest) =>
      api.request<WhatIfAnswer>('POST', `${BASE}/evaluate`, {
        body: {
          signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId: input.userId },
          signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [input.applicationId] },
          signInConditions: {
            devicePlatform: input.devicePlatform,
            clientAppType: input.clientAppType,
            signInRiskLevel: input.signInRiskLevel,
            userRiskLevel: input.userRiskLevel,
            ...(input.country.trim() ? { country: input.country.trim().toUpperCase() } : {}),
            ...(input.ipAddress.trim() ? { ipAddress: input.ipAddress.trim() } : {}),
            deviceInfo: { isCompliant: input.isCompliant },
          },
          appliedPoliciesOnly: false,
        },
      }),
  });
}
