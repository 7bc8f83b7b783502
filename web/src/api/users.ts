import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { EVENTUAL_CONSISTENCY, seg, startsWithAny, withQuery, type ODataPage } from './odata.ts';
import type { DirectoryObject, NewUser, User, UserPatch } from './types.ts';

export const userKeys = {
  all: ['users'] as const,
  list: (url: string) => ['users', 'list', url] as const,
  search: (term: string) => ['users', 'search', term] as const,
  one: (id: string) => ['users', 'one', id] as const,
  memberOf: (id: string) => ['users', 'one', id, 'memberOf'] as const,
};

const SEARCH_FIELDS = ['displayName', 'userPrincipalName', 'mail'] as const;

/** URL of the first page of the users list for a search term. */
export function usersFirstPageUrl(term: string, top = 25): string {
  return withQuery('/v1.0/users', {
    $top: top,
    $orderby: 'displayName',
    $count: true,
    $filter: startsWithAny(SEARCH_FIELDS, term),
  });
}

/** One page of users; `url` is the first-page URL or an `@odata.nextLink`. */
export function useUsersPage(url: string) {
  const api = useApi();
  return useQuery({
    queryKey: userKeys.list(url),
    queryFn: ({ signal }) => api.get<ODataPage<User>>(url, { headers: EVENTUAL_CONSISTENCY, signal }),
    placeholderData: keepPreviousData,
  });
}

/** A short list of users matching a term, for pickers. Disabled for an empty term. */
export function useUserSearch(term: string) {
  const api = useApi();
  const trimmed = term.trim();
  return useQuery({
    queryKey: userKeys.search(trimmed),
    queryFn: ({ signal }) =>
      api.get<ODataPage<User>>(usersFirstPageUrl(trimmed, 10), { headers: EVENTUAL_CONSISTENCY, signal }),
    enabled: trimmed.length > 0,
    placeholderData: keepPreviousData,
  });
}

export function useUser(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: userKeys.one(id),
    queryFn: ({ signal }) => api.get<User>(`/v1.0/users/${seg(id)}`, { signal }),
  });
}

/** Groups (and roles) the user is a direct member of, page by page. */
export function useUserMemberOf(id: string) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: userKeys.memberOf(id),
    queryFn: ({ pageParam, signal }) => api.get<ODataPage<DirectoryObject>>(pageParam, { signal }),
    initialPageParam: `/v1.0/users/${seg(id)}/memberOf`,
    getNextPageParam: (last) => last['@odata.nextLink'],
  });
}

export function useCreateUser() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewUser) => api.request<User>('POST', '/v1.0/users', { body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useUpdateUser(id: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: UserPatch) => api.request<void>('PATCH', `/v1.0/users/${seg(id)}`, { body: patch }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useDeleteUser() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<void>('DELETE', `/v1.0/users/${seg(id)}`),
    onSuccess: (_data, id) => {
      queryClient.removeQueries({ queryKey: userKeys.one(id) });
      return queryClient.invalidateQueries({ queryKey: userKeys.all });
    },
  });
}
