import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from './client.ts';
import { useApi } from './context.tsx';
import { seg } from './odata.ts';
import { blockedPath, isSignInBlocked, pendingSignInKey } from './sign-in.ts';

/** An authentication method in Graph's shape (the fields the UI shows; `@odata.type` says which kind). */
export interface AuthenticationMethod {
  '@odata.type': string;
  id: string;
  displayName?: string;
  createdDateTime?: string | null;
  lastUsedDateTime?: string | null;
  codesLeft?: number;
}

export type PerUserMfaState = 'disabled' | 'enforced';

export interface SecurityInfo {
  summary: { totp: boolean; webauthn: boolean; recoveryCodesLeft: number; perUserMfaState: PerUserMfaState };
  methods: AuthenticationMethod[];
}

export interface TotpEnrolment {
  enrolmentId: string;
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
  expiresDateTime: string;
}

export const METHOD_TYPES = {
  password: '#microsoft.graph.passwordAuthenticationMethod',
  softwareOath: '#microsoft.graph.softwareOathAuthenticationMethod',
  fido2: '#microsoft.graph.fido2AuthenticationMethod',
  recoveryCodes: '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod',
} as const;

/** What a person calls each kind of method. */
export function methodKindLabel(type: string): string {
  switch (type) {
    case METHOD_TYPES.password:
      return 'Password';
    case METHOD_TYPES.softwareOath:
      return 'Authenticator app';
    case METHOD_TYPES.fido2:
      return 'Passkey';
    case METHOD_TYPES.recoveryCodes:
      return 'Recovery codes';
    default:
      return type.replace(/^#microsoft\.graph\./, '');
  }
}

const securityInfoKey = ['security-info'] as const;

/** The signed-in user's own methods and whether MFA is required of them. */
export function useSecurityInfo() {
  const api = useApi();
  return useQuery({ queryKey: securityInfoKey, queryFn: ({ signal }) => api.get<SecurityInfo>('/portal/api/security-info', { signal }) });
}

function useInvalidateSecurityInfo() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: securityInfoKey });
}

/** The server wants this session to prove a second factor before it changes the user's methods. */
export const isStepUpRequired = (error: unknown): boolean => error instanceof ApiError && error.innerCode === 'MFA_STEP_UP_REQUIRED';

const SECURITY_INFO_PATH = '/security-info';

/**
 * Once the account has a second factor, a session signed in with the password alone cannot change its methods:
 * on MFA_STEP_UP_REQUIRED start the verification and open the sign-in MFA page, which comes back to Security
 * info with a session that proved the factor; the person then repeats the change. The refused action's error
 * (which says to verify first) stays shown if the verification cannot start.
 */
export function useStepUpWhenRequired() {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useCallback(
    (error: unknown) => {
      if (!isStepUpRequired(error)) return;
      api.request<{ status: 'allowed' | 'mfaRequired' }>('POST', '/portal/api/security-info/step-up').then(
        ({ status }) => {
          if (status !== 'mfaRequired') return;
          // The MFA page reads the new pending verification, not one cached from an earlier sign-in.
          queryClient.removeQueries({ queryKey: pendingSignInKey });
          void navigate(`/signin/mfa?returnTo=${encodeURIComponent(SECURITY_INFO_PATH)}`);
        },
        (failure: unknown) => {
          if (isSignInBlocked(failure)) void navigate(blockedPath(failure.message), { replace: true });
        },
      );
    },
    [api, navigate, queryClient],
  );
}

export function useBeginTotpEnrolment() {
  const api = useApi();
  const stepUp = useStepUpWhenRequired();
  return useMutation({ mutationFn: () => api.request<TotpEnrolment>('POST', '/portal/api/security-info/totp'), onError: stepUp });
}

export function useFinishTotpEnrolment() {
  const api = useApi();
  const invalidate = useInvalidateSecurityInfo();
  const stepUp = useStepUpWhenRequired();
  return useMutation({
    mutationFn: (input: { enrolmentId: string; code: string; displayName?: string }) =>
      api.request<AuthenticationMethod>('POST', `/portal/api/security-info/totp/${seg(input.enrolmentId)}/verify`, {
        body: { code: input.code, ...(input.displayName ? { displayName: input.displayName } : {}) },
      }),
    onSuccess: invalidate,
    onError: stepUp,
  });
}

/** Ask the server for options, let the browser create the passkey, and register what it made. */
export function useRegisterPasskey() {
  const api = useApi();
  const invalidate = useInvalidateSecurityInfo();
  const stepUp = useStepUpWhenRequired();
  return useMutation({
    mutationFn: async (displayName?: string) => {
      const optionsJSON = await api.request<PublicKeyCredentialCreationOptionsJSON>('POST', '/portal/api/security-info/webauthn/registration-options');
      const response = await startRegistration({ optionsJSON });
      return api.request<AuthenticationMethod>('POST', '/portal/api/security-info/webauthn', { body: { response, ...(displayName ? { displayName } : {}) } });
    },
    onSuccess: invalidate,
    onError: stepUp,
  });
}

export function useRegenerateRecoveryCodes() {
  const api = useApi();
  const invalidate = useInvalidateSecurityInfo();
  const stepUp = useStepUpWhenRequired();
  return useMutation({
    mutationFn: () => api.request<{ codes: string[] }>('POST', '/portal/api/security-info/recovery-codes'),
    onSuccess: invalidate,
    onError: stepUp,
  });
}

export function useDeleteMyMethod() {
  const api = useApi();
  const invalidate = useInvalidateSecurityInfo();
  const stepUp = useStepUpWhenRequired();
  return useMutation({
    mutationFn: (id: string) => api.request<void>('DELETE', `/portal/api/security-info/methods/${seg(id)}`),
    onSuccess: invalidate,
    onError: stepUp,
  });
}

/* Administrators: another user's methods through the Graph API. */

const userMethodsKey = (userId: string) => ['users', 'one', userId, 'authentication'] as const;

export function useUserAuthenticationMethods(userId: string) {
  const api = useApi();
  return useQuery({
    queryKey: [...userMethodsKey(userId), 'methods'],
    queryFn: ({ signal }) => api.get<{ value: AuthenticationMethod[] }>(`/v1.0/users/${seg(userId)}/authentication/methods`, { signal }),
  });
}

export function useUserMfaRequirement(userId: string) {
  const api = useApi();
  return useQuery({
    queryKey: [...userMethodsKey(userId), 'requirements'],
    queryFn: ({ signal }) => api.get<{ perUserMfaState: PerUserMfaState }>(`/v1.0/users/${seg(userId)}/authentication/requirements`, { signal }),
  });
}

export function useSetUserMfaRequirement(userId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (perUserMfaState: PerUserMfaState) => api.request<void>('PATCH', `/v1.0/users/${seg(userId)}/authentication/requirements`, { body: { perUserMfaState } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userMethodsKey(userId) }),
  });
}

/** Authenticator apps and passkeys have Graph delete routes by type. */
export function useDeleteUserMethod(userId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (method: AuthenticationMethod) => {
      const segment = method['@odata.type'] === METHOD_TYPES.fido2 ? 'fido2Methods' : 'softwareOathMethods';
      return api.request<void>('DELETE', `/v1.0/users/${seg(userId)}/authentication/${segment}/${seg(method.id)}`);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userMethodsKey(userId) }),
  });
}
