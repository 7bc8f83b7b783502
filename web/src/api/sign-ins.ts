import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { odataDateTime } from './audit.ts';
import { useApi } from './context.tsx';
import { odataString, seg, withQuery, type ODataPage } from './odata.ts';

/** Graph's signIn as /v1.0/auditLogs/signIns serves it (Gatehouse adds `reasons` per policy and `riskReasons`). */
export interface SignIn {
  id: string;
  createdDateTime: string;
  userId: string | null;
  userPrincipalName: string;
  userDisplayName: string | null;
  userType: 'member' | 'guest' | null;
  appId: string;
  appDisplayName: string;
  resourceDisplayName: string | null;
  ipAddress: string | null;
  clientAppUsed: string;
  isInteractive: boolean;
  homeTenantId: string | null;
  resourceTenantId: string | null;
  correlationId: string | null;
  status: { errorCode: number; failureReason: string | null; additionalDetails: string | null };
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  appliedConditionalAccessPolicies: {
    id: string;
    displayName: string;
    enforcedGrantControls: string[];
    enforcedSessionControls: string[];
    result: string;
    reasons?: string[];
  }[];
  deviceDetail: {
    browser: string | null;
    operatingSystem: string | null;
    displayName: string | null;
    isCompliant: boolean;
    isManaged: boolean;
    trustType: string | null;
  };
  location: {
    city: string | null;
    state: string | null;
    countryOrRegion: string | null;
    geoCoordinates: { latitude: number | null; longitude: number | null } | null;
  };
  riskLevelDuringSignIn: string;
  riskState: string;
  riskDetail: string;
  riskEventTypes_v2: string[];
  riskReasons?: { type: string; detail: string }[];
  authenticationRequirement: string;
  authenticationMethodsUsed: string[];
  authenticationDetails: {
    authenticationMethod: string;
    authenticationMethodDetail: string | null;
    authenticationStepDateTime: string | null;
    authenticationStepRequirement: string | null;
    authenticationStepResultDetail: string | null;
    succeeded: boolean;
  }[];
}

/** Filters the Sign-in log page offers. Empty fields are ignored. */
export interface SignInFilters {
  /** ISO instants (UTC). */
  from?: string;
  to?: string;
  /** Prefix of the user principal name (also matches names typed for unknown accounts). */
  user?: string;
  /** Prefix of the application's display name. */
  app?: string;
  status?: 'success' | 'failure';
  userType?: 'member' | 'guest';
  risk?: 'low' | 'medium' | 'high';
}

/** The `$filter` expression for a set of filters, or undefined when none is set. */
export function signInFilterExpression(filters: SignInFilters): string | undefined {
  const clauses: string[] = [];
  if (filters.from) clauses.push(`createdDateTime ge ${odataDateTime(filters.from)}`);
  if (filters.to) clauses.push(`createdDateTime le ${odataDateTime(filters.to)}`);
  if (filters.user?.trim()) clauses.push(`startsWith(userPrincipalName,${odataString(filters.user.trim())})`);
  if (filters.app?.trim()) clauses.push(`startsWith(appDisplayName,${odataString(filters.app.trim())})`);
  if (filters.status === 'success') clauses.push('status/errorCode eq 0');
  if (filters.status === 'failure') clauses.push('status/errorCode ne 0');
  if (filters.userType) clauses.push(`userType eq '${filters.userType}'`);
  if (filters.risk) clauses.push(`riskLevelDuringSignIn eq '${filters.risk}'`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

export function signInsFirstPageUrl(filters: SignInFilters, top = 50): string {
  return withQuery('/v1.0/auditLogs/signIns', { $top: top, $orderby: 'createdDateTime desc', $filter: signInFilterExpression(filters) });
}

export function useSignInsPage(url: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['signIns', url],
    queryFn: ({ signal }) => api.get<ODataPage<SignIn>>(url, { signal }),
    placeholderData: keepPreviousData,
  });
}

/** One sign-in, for the detail drawer (also reached by `/sign-ins?id=…`). */
export function useSignIn(id: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['signIn', id],
    queryFn: ({ signal }) => api.get<SignIn>(`/v1.0/auditLogs/signIns/${seg(id ?? '')}`, { signal }),
    enabled: id !== null,
  });
}
