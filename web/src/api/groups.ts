import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { EVENTUAL_CONSISTENCY, seg, startsWithAny, withQuery, type ODataPage } from './odata.ts';
import { userKeys } from './users.ts';
import type { DirectoryObject, Group, GroupPatch, NewGroup } from './types.ts';

/** The two link collections of a group the UI manages. */
export type GroupLink = 'members' | 'owners';

export const groupKeys = {
  all: ['groups'] as const,
  list: (url: string) => ['groups', 'list', url] as const,
  search: (term: string) => ['groups', 'search', term] as const,
  one: (id: string) => ['groups', 'one', id] as const,
  links: (id: string, link: GroupLink) => ['groups', 'one', id, link] as const,
};

/** URL of the first page of the groups list for a search term. */
export function groupsFirstPageUrl(term: string, top = 25): string {
  return withQuery('/v1.0/groups', {
    $top: top,
    $orderby: 'displayName',
    $filter: startsWithAny(['displayName'], term),
  });
}

export function useGroupsPage(url: string) {
  const api = useApi();
  return useQuery({
    queryKey: groupKeys.list(url),
    queryFn: ({ signal }) => api.get<ODataPage<Group>>(url, { headers: EVENTUAL_CONSISTENCY, signal }),
    placeholderData: keepPreviousData,
  });
}

/** A short list of groups matching a term, for pickers. Disabled for an empty term. */
export function useGroupSearch(term: string, enabled = true) {
  const api = useApi();
  const trimmed = term.trim();
  return useQuery({
    queryKey: groupKeys.search(trimmed),
    queryFn: ({ signal }) =>
      api.get<ODataPage<Group>>(groupsFirstPageUrl(trimmed, 10), { headers: EVENTUAL_CONSISTENCY, signal }),
    enabled: enabled && trimmed.length > 0,
    placeholderData: keepPreviousData,
  });
}

export function useGroup(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: groupKeys.one(id),
    queryFn: ({ signal }) => api.get<Group>(`/v1.0/groups/${seg(id)}`, { signal }),
  });
}

export function useGroupLinks(id: string, link: GroupLink) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: groupKeys.links(id, link),
    queryFn: ({ pageParam, signal }) => api.get<ODataPage<DirectoryObject>>(pageParam, { signal }),
    initialPageParam: `/v1.0/groups/${seg(id)}/${link}`,
    getNextPageParam: (last) => last['@odata.nextLink'],
  });
}

export function useCreateGroup() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewGroup) => api.request<Group>('POST', '/v1.0/groups', { body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: groupKeys.all }),
  });
}

export function useUpdateGroup(id: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: GroupPatch) => api.request<void>('PATCH', `/v1.0/groups/${seg(id)}`, { body: patch }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: groupKeys.all }),
  });
}

export function useDeleteGroup() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<void>('DELETE', `/v1.0/groups/${seg(id)}`),
    onSuccess: (_data, id) => {
      queryClient.removeQueries({ queryKey: groupKeys.one(id) });
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: groupKeys.all }),
        queryClient.invalidateQueries({ queryKey: userKeys.all }),
      ]);
    },
  });
}

/** Adds a directory object to a group's members or owners (`POST .../$ref`). */
export function useAddGroupLink(id: string, link: GroupLink) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (objectId: string) =>
      api.request<void>('POST', `/v1.0/groups/${seg(id)}/${link}/$ref`, {
        body: { '@odata.id': `${window.location.origin}/v1.0/directoryObjects/${seg(objectId)}` },
      }),
    onSuccess: () => invalidateLinks(queryClient, id, link),
  });
}

/** Removes a directory object from a group's members or owners (`DELETE .../{objectId}/$ref`). */
export function useRemoveGroupLink(id: string, link: GroupLink) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (objectId: string) =>
      api.request<void>('DELETE', `/v1.0/groups/${seg(id)}/${link}/${seg(objectId)}/$ref`),
    onSuccess: () => invalidateLinks(queryClient, id, link),
  });
}

function invalidateLinks(queryClient: ReturnType<typeof useQueryClient>, id: string, link: GroupLink) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: groupKeys.links(id, link) }),
    // A user's memberOf list changes with the group's members.
    queryClient.invalidateQueries({ queryKey: userKeys.all }),
  ]);
}
