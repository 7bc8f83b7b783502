import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isUnauthenticated } from './client.ts';
import { useApi } from './context.tsx';
import type { SignInStep } from './sign-in.ts';
import type { Session } from './types.ts';

/** Query key of the signed-in session; `null` data means "not signed in". */
export const sessionKey = ['session'] as const;

const SESSION_PATH = '/portal/api/session';

/** The current session, or null when not signed in (the server answers 401). */
export function useSession() {
  const api = useApi();
  return useQuery({
    queryKey: sessionKey,
    queryFn: async ({ signal }): Promise<Session | null> => {
      try {
        return await api.get<Session>(SESSION_PATH, { signal });
      } catch (error) {
        if (isUnauthenticated(error)) return null;
        throw error;
      }
    },
    staleTime: 5 * 60_000,
  });
}

/**
 * Password sign-in. The answer is signed in or "a second factor first" (SignInStep); the page hands it to
 * useSignInStep, which keeps the session or opens the second-factor page. `returnTo` (a path on this server) is
 * kept by the server across the second factor.
 */
export function useSignIn() {
  const api = useApi();
  return useMutation({
    mutationFn: (body: { userName: string; password: string; newPassword?: string; returnTo?: string }) => api.request<SignInStep>('POST', SESSION_PATH, { body }),
  });
}

export function useSignOut() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.request<void>('DELETE', SESSION_PATH),
    onSettled: () => {
      queryClient.clear();
      queryClient.setQueryData(sessionKey, null);
    },
  });
}

export function useSetPassword() {
  const api = useApi();
  return useMutation({
    mutationFn: (body: { token: string; password: string }) =>
      api.request<void>('POST', '/portal/api/set-password', { body }),
  });
}
