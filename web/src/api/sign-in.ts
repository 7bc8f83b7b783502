import {
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from './client.ts';
import { useApi } from './context.tsx';
import { seg } from './odata.ts';
import { sessionKey } from './session.ts';
import type { SessionRole, SessionUser } from './types.ts';

/**
 * Every way of signing in (password, guest code, a second factor) answers the same way: signed in, or a second
 * factor is needed first. The pending sign-in lives on the server behind an HttpOnly cookie scoped to
 * /portal/api/sign-in; the page only ever sees this view of it.
 */
export type Requirement = 'mfa' | 'phishingResistant' | 'compliantDevice' | 'reauthentication' | `termsOfUse:${string}`;

export interface PendingSignIn {
  user: SessionUser;
  required: Requirement[];
  methods: { totp: boolean; webauthn: boolean; recoveryCodesLeft: number; perUserMfaState: string };
  /** The account has no factor that satisfies what is required and may register one now. */
  registration: { totp: boolean; passkey: boolean };
  applicationDisplayName: string;
  expiresDateTime: string;
}

export type SignInStep =
  | { status: 'signedIn'; user: SessionUser; csrfToken: string; roles: SessionRole[]; returnTo?: string | null; passwordChangeRequired?: boolean }
  | { status: 'mfaRequired'; user: SessionUser; pending: PendingSignIn; returnTo?: string | null };

export interface PendingTotpEnrolment {
  enrolmentId: string;
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

const BASE = '/portal/api/sign-in/pending';
export const pendingSignInKey = ['pending-sign-in'] as const;

/** Paths the server answers itself (API, OAuth approval pages); the rest are the single-page app's routes. */
const SERVER_PREFIXES = ['/v1.0/', '/portal/', '/oauth2/', '/.well-known/', '/saml/'];

/**
 * Only paths on this origin are followed after sign-in, so a crafted link cannot send a person elsewhere;
 * sign-in pages themselves are no destination (that would loop).
 */
export function isLocalPath(path: string | null | undefined): path is string {
  return (
    typeof path === 'string' &&
    /^\/(?![/\\])[\x21-\x7e]*$/.test(path) &&
    path.length <= 2000 &&
    path !== '/signin' &&
    !path.startsWith('/signin/') &&
    !path.startsWith('/signin?')
  );
}

export const isServerPath = (path: string): boolean => SERVER_PREFIXES.some((prefix) => path.startsWith(prefix));

/** `/signin/blocked` with the server's explanation (shown as text only). */
/** The blocked page for a SIGN_IN_BLOCKED error: only the sign-in log reference (a UUID) travels in the URL. */
export const blockedPath = (message: string): string => {
  const ref = /reference: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(message)?.[1];
  return ref ? `/signin/blocked?ref=${ref}` : '/signin/blocked';
};

/** True when Conditional Access refused the sign-in; the error's message says why and names the log entry. */
export const isSignInBlocked = (error: unknown): error is ApiError => error instanceof ApiError && error.innerCode === 'SIGN_IN_BLOCKED';

/**
 * Act on a sign-in answer: keep the new session (its CSRF token lives only in the query cache) and go where the
 * sign-in was for — a server page (the OAuth approval) as a full page load, an app route client-side, an
 * absolute URL only when the caller vouches for it (an invitation's redirect URL) — or open the second-factor
 * page with the pending view already loaded.
 */
export function useSignInStep() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useCallback(
    (step: SignInStep, options: { fallback: string; trustedRedirect?: string | null }) => {
      const returnTo = isLocalPath(step.returnTo) ? step.returnTo : undefined;
      if (step.status === 'mfaRequired') {
        queryClient.setQueryData(pendingSignInKey, step.pending);
        const query = returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : '';
        void navigate(`/signin/mfa${query}`, { replace: true, state: options.trustedRedirect ? { redirectUrl: options.trustedRedirect } : null });
        return;
      }
      const target = returnTo ?? options.trustedRedirect ?? options.fallback;
      // A full page load starts with an empty cache and reads the session from its cookie.
      if (!isLocalPath(target) || isServerPath(target)) {
        window.location.assign(target);
        return;
      }
      // Another person may have used this tab before: drop everything cached under their session.
      queryClient.clear();
      queryClient.setQueryData(sessionKey, { user: step.user, csrfToken: step.csrfToken, roles: step.roles });
      void navigate(target, { replace: true });
    },
    [navigate, queryClient],
  );
}

/**
 * The sign-in waiting for a second factor (usually already in the cache from the step that started it). Turn it
 * off (`enabled: false`) once the page is leaving — signed in or cancelled — so it is not asked for again.
 */
export function usePendingSignIn(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: pendingSignInKey,
    queryFn: ({ signal }) => api.get<PendingSignIn>(BASE, { signal }),
    enabled,
    retry: false,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}

/** Each answer that is another mfaRequired replaces the cached pending view (e.g. a passkey is still needed). */
function useStep<TInput>(run: (input: TInput) => Promise<SignInStep>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: (step) => {
      if (step.status === 'mfaRequired') queryClient.setQueryData(pendingSignInKey, step.pending);
    },
  });
}

export function useVerifyCode() {
  const api = useApi();
  return useStep((input: { method: 'totp' | 'recoveryCode'; code: string }) => api.request<SignInStep>('POST', `${BASE}/verify`, { body: input }));
}

/** Options from the server, the browser's passkey prompt, and the assertion checked by the server. */
export function useVerifyPasskey() {
  const api = useApi();
  return useStep(async () => {
    const optionsJSON = await api.request<PublicKeyCredentialRequestOptionsJSON>('POST', `${BASE}/webauthn-options`, { body: { purpose: 'authenticate' } });
    const response = await startAuthentication({ optionsJSON });
    return api.request<SignInStep>('POST', `${BASE}/verify`, { body: { method: 'webauthn', response } });
  });
}

/** Register a passkey during sign-in (allowed when one is required and none is registered yet). */
export function useRegisterPendingPasskey() {
  const api = useApi();
  return useStep(async (displayName?: string) => {
    const optionsJSON = await api.request<PublicKeyCredentialCreationOptionsJSON>('POST', `${BASE}/webauthn-options`, { body: { purpose: 'register' } });
    const response = await startRegistration({ optionsJSON });
    return api.request<SignInStep>('POST', `${BASE}/passkey`, { body: { response, ...(displayName ? { displayName } : {}) } });
  });
}

export function useBeginPendingTotp() {
  const api = useApi();
  return useMutation({ mutationFn: () => api.request<PendingTotpEnrolment>('POST', `${BASE}/totp`) });
}

export function useFinishPendingTotp() {
  const api = useApi();
  return useStep((input: { enrolmentId: string; code: string; displayName?: string }) =>
    api.request<SignInStep>('POST', `${BASE}/totp/${seg(input.enrolmentId)}`, { body: { code: input.code, ...(input.displayName ? { displayName: input.displayName } : {}) } }),
  );
}

export function useCancelPendingSignIn() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.request<void>('DELETE', BASE),
    onSettled: () => queryClient.removeQueries({ queryKey: pendingSignInKey }),
  });
}
