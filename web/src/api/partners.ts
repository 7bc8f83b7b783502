/** Partner organizations (Graph's connectedOrganization) and their sponsors: shapes, query URLs and hooks. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { odataString, seg, withQuery, type ODataPage } from './odata.ts';
import type { User } from './types.ts';

export const DOMAIN_SOURCE = '#microsoft.graph.domainIdentitySource';
export const FEDERATION_SOURCE = '#microsoft.graph.externalDomainFederation';
export const TENANT_SOURCE = '#microsoft.graph.azureActiveDirectoryTenant';

/** How Gatehouse recognises a partner's people: by email domain, by identity provider, or by Entra tenant. */
export type IdentitySource =
  | { '@odata.type': typeof DOMAIN_SOURCE; domainName: string; displayName?: string | null }
  | { '@odata.type': typeof FEDERATION_SOURCE; issuerUri: string; domainName?: string | null; displayName?: string | null }
  | { '@odata.type': typeof TENANT_SOURCE; tenantId: string; displayName?: string | null };

export type PartnerState = 'configured' | 'proposed';

export interface ConnectedOrganization {
  id: string;
  displayName: string;
  description: string | null;
  state: PartnerState;
  identitySources: IdentitySource[];
  createdDateTime: string;
  modifiedDateTime: string;
}

/**
 * A partner organization as the list returns it: the server may leave out everything but id, name and state, so
 * the rest is read defensively.
 */
export type ListedConnectedOrganization = Pick<ConnectedOrganization, 'id' | 'displayName' | 'state'> &
  Partial<Omit<ConnectedOrganization, 'id' | 'displayName' | 'state'>>;

export interface NewConnectedOrganization {
  displayName: string;
  description?: string | null;
  identitySources: IdentitySource[];
  state?: PartnerState;
}

export type ConnectedOrganizationPatch = Partial<NewConnectedOrganization>;

/** The two sponsor lists: internal sponsors are members here, external sponsors are guests from the partner. */
export type SponsorKind = 'internal' | 'external';

export const partnerKeys = {
  all: ['connectedOrganizations'] as const,
  list: (url: string) => ['connectedOrganizations', 'list', url] as const,
  one: (id: string) => ['connectedOrganizations', 'one', id] as const,
  sponsors: (id: string, kind: SponsorKind) => ['connectedOrganizations', 'one', id, kind] as const,
};

const PATH = '/v1.0/identityGovernance/entitlementManagement/connectedOrganizations';

export interface PartnerFilters {
  /** Matches names that start with this text. */
  name?: string | undefined;
  state?: PartnerState | undefined;
}

export function partnerFilterExpression(filters: PartnerFilters): string | undefined {
  const clauses: string[] = [];
  const name = filters.name?.trim();
  if (name) clauses.push(`startsWith(displayName,${odataString(name)})`);
  if (filters.state) clauses.push(`state eq ${odataString(filters.state)}`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

/** URL of the first page of partner organizations, by name. */
export function partnersFirstPageUrl(filters: PartnerFilters, top = 25): string {
  return withQuery(PATH, { $top: top, $orderby: 'displayName', $filter: partnerFilterExpression(filters) });
}

/** One page of partner organizations; `url` is the first-page URL or an `@odata.nextLink`. */
export function usePartners(url: string) {
  const api = useApi();
  return useQuery({
    queryKey: partnerKeys.list(url),
    queryFn: ({ signal }) => api.get<ODataPage<ListedConnectedOrganization>>(url, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function usePartner(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: partnerKeys.one(id),
    queryFn: ({ signal }) => api.get<ConnectedOrganization>(`${PATH}/${seg(id)}`, { signal }),
  });
}

export function useCreatePartner() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewConnectedOrganization) => api.request<ConnectedOrganization>('POST', PATH, { body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: partnerKeys.all }),
  });
}

export function useUpdatePartner(id: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: ConnectedOrganizationPatch) => api.request<void>('PATCH', `${PATH}/${seg(id)}`, { body: patch }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: partnerKeys.all }),
  });
}

export function useDeletePartner() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<void>('DELETE', `${PATH}/${seg(id)}`),
    onSuccess: (_data, id) => {
      queryClient.removeQueries({ queryKey: partnerKeys.one(id) });
      return queryClient.invalidateQueries({ queryKey: partnerKeys.all });
    },
  });
}

export function useSponsors(id: string, kind: SponsorKind) {
  const api = useApi();
  return useQuery({
    queryKey: partnerKeys.sponsors(id, kind),
    queryFn: ({ signal }) => api.get<ODataPage<User>>(`${PATH}/${seg(id)}/${kind}Sponsors`, { signal }),
  });
}

/** Adds a sponsor (`POST .../{kind}Sponsors/$ref`); the server checks members are internal and guests external. */
export function useAddSponsor(id: string, kind: SponsorKind) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) =>
      api.request<void>('POST', `${PATH}/${seg(id)}/${kind}Sponsors/$ref`, {
        body: { '@odata.id': `${window.location.origin}/v1.0/directoryObjects/${seg(userId)}` },
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: partnerKeys.sponsors(id, kind) }),
  });
}

export function useRemoveSponsor(id: string, kind: SponsorKind) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => api.request<void>('DELETE', `${PATH}/${seg(id)}/${kind}Sponsors/${seg(userId)}/$ref`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: partnerKeys.sponsors(id, kind) }),
  });
}
