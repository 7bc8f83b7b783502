/** Invitations, the external collaboration settings and the mail outbox: shapes, query URLs and hooks. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { odataString, withQuery, type ODataPage } from './odata.ts';
import { userKeys } from './users.ts';

export type InvitationStatus = 'PendingAcceptance' | 'Completed' | 'Voided';
export type InvitedUserType = 'Guest' | 'Member';

export interface MailRecipient {
  emailAddress: { address: string; name?: string | null };
}

export interface InvitedUserMessageInfo {
  customizedMessageBody?: string | null;
  ccRecipients?: MailRecipient[];
}

/** An invitation as listed; the redeem link is never listed (it is shown once, when created). */
export interface ListedInvitation {
  id: string;
  invitedUserEmailAddress: string;
  invitedUserDisplayName: string | null;
  invitedUserType: InvitedUserType;
  inviteRedirectUrl: string;
  status: InvitationStatus;
  invitedUser: { id: string };
  invitedUserMessageInfo?: InvitedUserMessageInfo;
  createdDateTime: string;
  expirationDateTime: string;
  redeemedDateTime: string | null;
  sendInvitationMessage: boolean;
  resetRedemption: boolean;
}

/** The answer to POST /v1.0/invitations, the only place the redeem link appears. */
export interface CreatedInvitation {
  id: string;
  inviteRedeemUrl: string;
  invitedUserEmailAddress: string;
  invitedUserDisplayName: string | null;
  invitedUserType: InvitedUserType;
  inviteRedirectUrl: string;
  status: InvitationStatus;
  invitedUser: { id: string };
  sendInvitationMessage: boolean;
  resetRedemption: boolean;
}

export interface NewInvitation {
  invitedUserEmailAddress: string;
  inviteRedirectUrl: string;
  invitedUserDisplayName?: string | null;
  invitedUserType?: InvitedUserType;
  sendInvitationMessage?: boolean;
  invitedUserMessageInfo?: InvitedUserMessageInfo;
  resetRedemption?: boolean;
  invitedUser?: { id: string };
  invitedUserSponsors?: { id: string }[];
}

export type AllowInvitesFrom = 'none' | 'adminsAndGuestInviters' | 'adminsGuestInvitersAndAllMembers' | 'everyone';

export interface ExternalCollaborationSettings {
  allowInvitesFrom: AllowInvitesFrom;
  guestUserRoleId: string;
  allowExternalIdentitiesToLeave: boolean;
  emailOneTimePasscode: 'enabled' | 'disabled';
  /** Exclusive with blockedDomains: at most one of the two lists is non-empty. */
  allowedDomains: string[];
  blockedDomains: string[];
  invitationLifetimeInDays: number;
  /** A trailing `*` allows every URL starting with the part before it. */
  allowedRedirectUrls: string[];
  termsOfUseUrl: string | null;
  privacyStatementUrl: string | null;
}

export type ExternalCollaborationPatch = Partial<ExternalCollaborationSettings>;

export type MailKind = 'invitation' | 'sponsorNotice' | 'oneTimePasscode';
export type MailStatus = 'queued' | 'sending' | 'sent' | 'notSent' | 'failed';

export interface OutboxMessage {
  id: string;
  kind: MailKind;
  relatedId: string | null;
  toRecipients: string[];
  ccRecipients: string[];
  subject: string;
  /** Plain text. */
  body: string;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdDateTime: string;
  sentDateTime: string | null;
}

export const invitationKeys = {
  all: ['invitations'] as const,
  list: (url: string) => ['invitations', 'list', url] as const,
};

export const outboxKeys = {
  all: ['mailOutbox'] as const,
  list: (url: string) => ['mailOutbox', 'list', url] as const,
};

export const externalCollaborationKey = ['policies', 'externalCollaborationSettings'] as const;

const SETTINGS_PATH = '/v1.0/policies/externalCollaborationSettings';

/** Filters the invitations list offers. Empty fields are ignored. */
export interface InvitationFilters {
  status?: InvitationStatus | undefined;
  /** Matches addresses that start with this text. */
  email?: string | undefined;
}

export function invitationFilterExpression(filters: InvitationFilters): string | undefined {
  const clauses: string[] = [];
  if (filters.status) clauses.push(`status eq ${odataString(filters.status)}`);
  const email = filters.email?.trim();
  if (email) clauses.push(`startsWith(invitedUserEmailAddress,${odataString(email)})`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

/** URL of the first page of invitations, newest first. */
export function invitationsFirstPageUrl(filters: InvitationFilters, top = 25): string {
  return withQuery('/v1.0/invitations', {
    $top: top,
    $orderby: 'createdDateTime desc',
    $filter: invitationFilterExpression(filters),
  });
}

/** One page of invitations; `url` is the first-page URL or an `@odata.nextLink`. */
export function useInvitations(url: string) {
  const api = useApi();
  return useQuery({
    queryKey: invitationKeys.list(url),
    queryFn: ({ signal }) => api.get<ODataPage<ListedInvitation>>(url, { signal }),
    placeholderData: keepPreviousData,
  });
}

/** Invites, re-sends (same address again) or resets a redemption (`resetRedemption` with `invitedUser.id`). */
export function useCreateInvitation() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewInvitation) => api.request<CreatedInvitation>('POST', '/v1.0/invitations', { body }),
    // An invitation may create a guest user and queue mail; all three lists change.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: invitationKeys.all }),
        queryClient.invalidateQueries({ queryKey: outboxKeys.all }),
        queryClient.invalidateQueries({ queryKey: userKeys.all }),
      ]),
  });
}

export function useExternalCollaborationSettings() {
  const api = useApi();
  return useQuery({
    queryKey: externalCollaborationKey,
    queryFn: ({ signal }) => api.get<ExternalCollaborationSettings>(SETTINGS_PATH, { signal }),
  });
}

/** PATCHes a subset of the settings; the server answers with all of them, which replace the cached copy. */
export function useUpdateExternalCollaborationSettings() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: ExternalCollaborationPatch) =>
      api.request<ExternalCollaborationSettings>('PATCH', SETTINGS_PATH, { body: patch }),
    onSuccess: (settings) => queryClient.setQueryData(externalCollaborationKey, settings),
  });
}

/** Filters the outbox offers. Empty fields are ignored. */
export interface OutboxFilters {
  status?: MailStatus | undefined;
  kind?: MailKind | undefined;
}

export function outboxFilterExpression(filters: OutboxFilters): string | undefined {
  const clauses: string[] = [];
  if (filters.status) clauses.push(`status eq ${odataString(filters.status)}`);
  if (filters.kind) clauses.push(`kind eq ${odataString(filters.kind)}`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

/** URL of the first page of the mail outbox, newest first (the server's default order). */
export function mailOutboxFirstPageUrl(filters: OutboxFilters, top = 25): string {
  return withQuery('/v1.0/admin/mailOutbox', { $top: top, $filter: outboxFilterExpression(filters) });
}

/** One page of the mail outbox; `url` is the first-page URL or an `@odata.nextLink`. */
export function useMailOutbox(url: string) {
  const api = useApi();
  return useQuery({
    queryKey: outboxKeys.list(url),
    queryFn: ({ signal }) => api.get<ODataPage<OutboxMessage>>(url, { signal }),
    placeholderData: keepPreviousData,
  });
}
