/** Cross-tenant access settings (Graph's crossTenantAccessPolicy): the default and per-partner overrides. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { seg, type ODataPage } from './odata.ts';

/** Stands for every user (in usersAndGroups) and every application (in applications). */
export const ALL_USERS = 'AllUsers';
export const ALL_APPLICATIONS = 'AllApplications';

export type AccessType = 'allowed' | 'blocked';

export interface PolicyTarget {
  target: string;
  targetType: 'user' | 'group' | 'application';
}

export interface TargetConfiguration {
  accessType: AccessType;
  targets: PolicyTarget[];
}

export interface B2BSetting {
  usersAndGroups: TargetConfiguration | null;
  applications: TargetConfiguration | null;
}

export interface InboundTrust {
  isMfaAccepted: boolean;
  isCompliantDeviceAccepted: boolean;
  isHybridAzureADJoinedDeviceAccepted: boolean;
}

export interface AutomaticUserConsentSettings {
  inboundAllowed: boolean | null;
  outboundAllowed: boolean | null;
}

/** The properties a PATCH replaces, each as a whole. In partner settings, null means "inherit the default". */
export interface CrossTenantSettings {
  b2bCollaborationInbound: B2BSetting | null;
  b2bCollaborationOutbound: B2BSetting | null;
  b2bDirectConnectInbound: B2BSetting | null;
  b2bDirectConnectOutbound: B2BSetting | null;
  inboundTrust: InboundTrust | null;
  automaticUserConsentSettings: AutomaticUserConsentSettings | null;
}

export type CrossTenantPatch = Partial<CrossTenantSettings>;

export interface CrossTenantDefault extends CrossTenantSettings {
  /** True until someone changes the defaults (and again after resetToSystemDefault). */
  isServiceDefault: boolean;
}

export interface CrossTenantPartner extends CrossTenantSettings {
  /** A tenant id (GUID) or, for partners without one, their identity provider's issuer URL. */
  tenantId: string;
}

export const crossTenantKeys = {
  all: ['crossTenantAccess'] as const,
  default: ['crossTenantAccess', 'default'] as const,
  partners: ['crossTenantAccess', 'partners'] as const,
};

const PATH = '/v1.0/policies/crossTenantAccessPolicy';
/** A partner key may be an issuer URL: it always travels percent-encoded as one path segment. */
const partnerPath = (tenantId: string) => `${PATH}/partners/${seg(tenantId)}`;

export function useCrossTenantDefault() {
  const api = useApi();
  return useQuery({
    queryKey: crossTenantKeys.default,
    queryFn: ({ signal }) => api.get<CrossTenantDefault>(`${PATH}/default`, { signal }),
  });
}

export function useUpdateCrossTenantDefault() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: CrossTenantPatch) => api.request<void>('PATCH', `${PATH}/default`, { body: patch }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crossTenantKeys.default }),
  });
}

export function useResetCrossTenantDefault() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.request<void>('POST', `${PATH}/default/resetToSystemDefault`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crossTenantKeys.default }),
  });
}

/** Every partner's settings (few; the server does not page them). */
export function useCrossTenantPartners() {
  const api = useApi();
  return useQuery({
    queryKey: crossTenantKeys.partners,
    queryFn: ({ signal }) => api.get<ODataPage<CrossTenantPartner>>(`${PATH}/partners`, { signal }),
  });
}

/** Adds settings for a partner; with only a tenantId every property inherits the default. */
export function useCreateCrossTenantPartner() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CrossTenantPatch & { tenantId: string }) =>
      api.request<CrossTenantPartner>('POST', `${PATH}/partners`, { body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crossTenantKeys.partners }),
  });
}

export function useUpdateCrossTenantPartner() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tenantId, patch }: { tenantId: string; patch: CrossTenantPatch }) =>
      api.request<void>('PATCH', partnerPath(tenantId), { body: patch }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crossTenantKeys.partners }),
  });
}

export function useDeleteCrossTenantPartner() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (tenantId: string) => api.request<void>('DELETE', partnerPath(tenantId)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crossTenantKeys.partners }),
  });
}
