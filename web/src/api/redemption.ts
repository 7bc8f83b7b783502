import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { sessionKey } from './session.ts';

/** Where a redemption stands (the server keeps the flow; the browser holds only an HttpOnly cookie). */
export interface RedemptionView {
  tenantDisplayName: string;
  invitedUserEmailAddress: string;
  invitedUserDisplayName: string;
  method: 'emailOtp' | 'oidc' | 'saml' | 'unavailable';
  providerDisplayName: string | null;
  step: 'verify' | 'consent';
  otpSentTo: string | null;
  federationError: string | null;
  termsOfUseUrl: string | null;
  privacyStatementUrl: string | null;
}

const PATH = '/portal/api/redeem';
export const redemptionKey = ['redemption'] as const;

/**
 * Opens the link once (when the page has a token) or reads the flow this browser already has. The token is
 * dropped from the address bar right away, so a reload or a shared screen does not expose it.
 */
export function useRedemption(token: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: [...redemptionKey, token ?? ''],
    queryFn: async () => {
      if (token) {
        const view = await api.request<RedemptionView>('POST', PATH, { body: { token } });
        window.history.replaceState(null, '', window.location.pathname);
        return view;
      }
      return api.get<RedemptionView>(PATH);
    },
    retry: false,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}

function useStep<TBody>(path: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TBody) => api.request<RedemptionView>('POST', `${PATH}${path}`, body === undefined ? {} : { body }),
    onSuccess: (view) => queryClient.setQueriesData({ queryKey: redemptionKey }, view),
  });
}

export const useSendCode = () => useStep<undefined>('/otp');
export const useVerifyCode = () => useStep<{ code: string }>('/otp/verify');

export function useFinishRedemption() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    // mfaRequired: redeemed, but Conditional Access wants a second factor before the session (the MFA page).
    mutationFn: (accept: boolean) => api.request<{ redirectUrl: string | null; mfaRequired?: boolean }>('POST', `${PATH}/consent`, { body: { accept } }),
    // A session now exists (or, declined, none): whatever was cached belongs to nobody.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey }),
  });
}
