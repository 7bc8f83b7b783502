/** Emergency-access (break-glass) accounts, where their alerts go, and the alerts: shapes and hooks. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from './client.ts';
import { useApi } from './context.tsx';
import { seg, withQuery, type ODataPage } from './odata.ts';

export interface EmergencyAccessAccount {
  /** The user id. */
  id: string;
  displayName: string;
  userPrincipalName: string;
  excludeFromConditionalAccess: boolean;
  createdDateTime: string;
  lastSignInDateTime: string | null;
  /** Not signed in with (validated) for 90 days. */
  validationDue: boolean;
}

export interface EmergencyAccessSettings {
  webhookUrl: string | null;
  /** The secret itself is write-only: reads only say whether one is set. */
  hasWebhookSecret: boolean;
  notifyEmails: string[];
}

/** What a PATCH sends: only the fields that change; `webhookSecret: null` removes the secret. */
export interface EmergencyAccessSettingsPatch {
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  notifyEmails?: string[];
}

export interface EmergencyAccessAlert {
  id: string;
  kind: 'signIn' | 'signInFailed' | 'validationDue' | string;
  userId: string | null;
  userPrincipalName: string;
  createdDateTime: string;
  details: Record<string, unknown>;
  webhookState: 'none' | 'pending' | 'sent' | 'failed' | string;
  webhookError: string | null;
  acknowledgedDateTime: string | null;
  acknowledgedBy: string | null;
}

const BASE = '/v1.0/privilegedAccess/emergencyAccess';
const key = ['emergency-access'] as const;
const accountsKey = [...key, 'accounts'] as const;
const settingsKey = [...key, 'settings'] as const;
const alertsKey = [...key, 'alerts'] as const;
const OPEN_FILTER = 'acknowledgedDateTime eq null';

export function useEmergencyAccessAccounts() {
  const api = useApi();
  return useQuery({ queryKey: accountsKey, queryFn: ({ signal }) => api.get<ODataPage<EmergencyAccessAccount>>(`${BASE}/accounts`, { signal }) });
}

export function useAddEmergencyAccessAccount() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { userId: string; excludeFromConditionalAccess: boolean }) => api.request<EmergencyAccessAccount>('POST', `${BASE}/accounts`, { body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountsKey }),
  });
}

export function useUpdateEmergencyAccessAccount() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { id: string; excludeFromConditionalAccess: boolean }) =>
      api.request<EmergencyAccessAccount>('PATCH', `${BASE}/accounts/${seg(input.id)}`, { body: { excludeFromConditionalAccess: input.excludeFromConditionalAccess } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountsKey }),
  });
}

export function useRemoveEmergencyAccessAccount() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<void>('DELETE', `${BASE}/accounts/${seg(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountsKey }),
  });
}

export function useEmergencyAccessSettings() {
  const api = useApi();
  return useQuery({ queryKey: settingsKey, queryFn: ({ signal }) => api.get<EmergencyAccessSettings>(`${BASE}/settings`, { signal }) });
}

export function useUpdateEmergencyAccessSettings() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: EmergencyAccessSettingsPatch) => api.request<EmergencyAccessSettings>('PATCH', `${BASE}/settings`, { body }),
    onSuccess: (settings) => queryClient.setQueryData(settingsKey, settings),
  });
}

export function useEmergencyAccessAlerts() {
  const api = useApi();
  return useQuery({
    queryKey: [...alertsKey, 'all'],
    queryFn: ({ signal }) => api.get<ODataPage<EmergencyAccessAlert>>(withQuery(`${BASE}/alerts`, { $top: 100 }), { signal }),
    refetchInterval: 30_000,
  });
}

const isForbidden = (error: unknown) => error instanceof ApiError && error.status === 403;

/**
 * Unacknowledged alerts for the admin banner, polled every 30 s. Someone who may not read them (403) sees no
 * banner, and the polling stops rather than asking again every 30 s.
 */
export function useOpenEmergencyAccessAlerts(enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: [...alertsKey, 'open'],
    queryFn: ({ signal }) => api.get<ODataPage<EmergencyAccessAlert>>(withQuery(`${BASE}/alerts`, { $filter: OPEN_FILTER }), { signal }),
    enabled,
    retry: false,
    refetchInterval: (query) => (isForbidden(query.state.error) ? false : 30_000),
    refetchOnWindowFocus: (query) => !isForbidden(query.state.error),
  });
}

export function useAcknowledgeEmergencyAccessAlert() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<EmergencyAccessAlert>('POST', `${BASE}/alerts/${seg(id)}/acknowledge`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: alertsKey }),
  });
}

/** What a person calls each kind of alert. */
export function alertKindLabel(kind: string): string {
  switch (kind) {
    case 'signIn':
      return 'Signed in';
    case 'signInFailed':
      return 'Sign-in attempt failed';
    case 'validationDue':
      return 'Not validated for 90 days';
    default:
      return kind;
  }
}
