import type { Selectable } from 'kysely';
import type { Identity, UserTable } from './directory.tables.ts';

/** Graph user JSON as Gatehouse returns it. */
export interface GraphUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mailNickname: string | null;
  userPrincipalName: string;
  userType: 'Member' | 'Guest';
  externalUserState: string | null;
  externalUserStateChangeDateTime: string | null;
  creationType: string | null;
  identities: Identity[];
  otherMails: string[];
  accountEnabled: boolean;
  companyName: string | null;
  employeeType: string | null;
  department: string | null;
  jobTitle: string | null;
  usageLocation: string | null;
  createdDateTime: string;
  signInActivity?: {
    lastSignInDateTime: string | null;
    lastNonInteractiveSignInDateTime: string | null;
    lastSuccessfulSignInDateTime: string | null;
  };
}

export type UserRow = Selectable<UserTable>;

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** Everything a user response may contain; signInActivity only when asked for with $select (as in Graph). */
export const userSelectable = [
  'id', 'displayName', 'givenName', 'surname', 'mail', 'mailNickname', 'userPrincipalName', 'userType',
  'externalUserState', 'externalUserStateChangeDateTime', 'creationType', 'identities', 'otherMails',
  'accountEnabled', 'companyName', 'employeeType', 'department', 'jobTitle', 'usageLocation', 'createdDateTime',
  'signInActivity', 'sponsors',
] as const;

export function toGraphUser(row: UserRow, options: { signInActivity?: boolean } = {}): GraphUser {
  const user: GraphUser = {
    id: row.id,
    displayName: row.display_name,
    givenName: row.given_name,
    surname: row.surname,
    mail: row.mail,
    mailNickname: row.mail_nickname,
    userPrincipalName: row.user_principal_name,
    userType: row.user_type,
    externalUserState: row.external_user_state,
    externalUserStateChangeDateTime: iso(row.external_user_state_changed_at),
    creationType: row.creation_type,
    identities: row.identities,
    otherMails: row.other_mails,
    accountEnabled: row.account_enabled,
    companyName: row.company_name,
    employeeType: row.employee_type,
    department: row.department,
    jobTitle: row.job_title,
    usageLocation: row.usage_location,
    createdDateTime: row.created_at.toISOString(),
  };
  if (options.signInActivity) {
    user.signInActivity = {
      lastSignInDateTime: iso(row.last_sign_in_at),
      lastNonInteractiveSignInDateTime: iso(row.last_non_interactive_sign_in_at),
      lastSuccessfulSignInDateTime: iso(row.last_successful_sign_in_at),
    };
  }
  return user;
}

/** Graph property name -> column, for updates. */
export const userWritable = {
  displayName: 'display_name',
  givenName: 'given_name',
  surname: 'surname',
  mail: 'mail',
  mailNickname: 'mail_nickname',
  userPrincipalName: 'user_principal_name',
  accountEnabled: 'account_enabled',
  companyName: 'company_name',
  employeeType: 'employee_type',
  department: 'department',
  jobTitle: 'job_title',
  usageLocation: 'usage_location',
  otherMails: 'other_mails',
} as const satisfies Partial<Record<keyof GraphUser, keyof UserTable>>;

export type UserPatch = { [K in keyof typeof userWritable]?: GraphUser[K] };

/** A new user row: the given fields over the defaults every new user starts with (enabled, no sign-ins yet). */
export function newUserRow(now: Date, fields: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'> & Partial<UserRow>): UserRow {
  return {
    given_name: null,
    surname: null,
    mail: null,
    mail_nickname: null,
    user_type: 'Member',
    external_user_state: null,
    external_user_state_changed_at: null,
    creation_type: null,
    identities: [],
    other_mails: [],
    account_enabled: true,
    company_name: null,
    employee_type: null,
    department: null,
    job_title: null,
    usage_location: null,
    password_hash: null,
    password_change_required: false,
    last_sign_in_at: null,
    last_non_interactive_sign_in_at: null,
    last_successful_sign_in_at: null,
    sign_in_sessions_valid_from: now,
    created_at: now,
    deleted_at: null,
    ...fields,
  };
}
