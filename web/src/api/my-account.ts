import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { sessionKey } from './session.ts';
import type { SignInStep } from './sign-in.ts';

/** The signed-in user's own account, as the My Account page shows it. */
export interface MyAccount {
  user: { id: string; displayName: string; mail: string | null; userPrincipalName: string; userType: string; externalUserState: string | null };
  organizations: { id: string; displayName: string; relationship: 'guestOf' | 'memberOf' | 'home' }[];
  signInMethods: { type: 'federated' | 'emailOtp' | 'password'; displayName: string; detail: string | null }[];
  canLeave: boolean;
}

export function useMyAccount() {
  const api = useApi();
  return useQuery({ queryKey: ['my-account'], queryFn: ({ signal }) => api.get<MyAccount>('/portal/api/me', { signal }) });
}

export function useLeaveOrganization() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.request<void>('POST', '/portal/api/me/leave'),
    onSuccess: () => {
      queryClient.clear();
      queryClient.setQueryData(sessionKey, null);
    },
  });
}

/** Guest sign-in: start with the address; federated guests then go to their provider, others get a code. */
export function useStartGuestSignIn() {
  const api = useApi();
  return useMutation({
    mutationFn: (email: string) => api.request<{ method: 'emailOtp' | 'federated'; providerDisplayName: string | null }>('POST', '/portal/api/guest-session', { body: { email } }),
  });
}

/** The code from the email: signed in, or a second factor first (hand the answer to useSignInStep). */
export function useVerifyGuestCode() {
  const api = useApi();
  return useMutation({
    mutationFn: (code: string) => api.request<SignInStep>('POST', '/portal/api/guest-session/verify', { body: { code } }),
  });
}
