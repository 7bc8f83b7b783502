import type { ProviderContext, ProviderModel } from 'oidc-provider';
import { isUuid } from '#src/core/crypto.ts';
import { findUserRow, listMemberOf, permissionsForUser, roleIdsForUser, type DirDb, type UserRow } from '#src/directory/index.ts';
import type { AppClientInfo } from './oauth-clients.ts';

/**
 * Claims of Gatehouse access tokens, shaped like Entra's v2 tokens so Graph tooling reads them the same way:
 * app tokens carry `roles` (granted application permissions), `oid`/`sub` = service principal id, `azp`/`appid`,
 * `idtyp: 'app'`; delegated tokens carry `oid`/`sub` = user id, `scp`, `idtyp: 'user'`. Both carry `tid`.
 * The verifier re-reads permissions live; `roles` and `scp` describe the grant at issue time.
 */
export type TokenType = 'app' | 'user';

/**
 * Whether a delegated token or grant (issued at `iatSeconds`) predates the user's last revokeSignInSessions. Token
 * times have whole seconds, so anything issued in the second of the revocation is refused too (the user signs in
 * again a moment later). A user who was never revoked has sign_in_sessions_valid_from = created_at: nothing to
 * compare, and a token issued in the user's first second is fine.
 */
export function issuedBeforeRevocation(iatSeconds: number, user: Pick<UserRow, 'sign_in_sessions_valid_from' | 'created_at'>): boolean {
  const validFrom = user.sign_in_sessions_valid_from.getTime();
  if (validFrom <= user.created_at.getTime()) return false;
  return iatSeconds < Math.ceil(validFrom / 1000);
}

/** What findAccount hands the provider; `user` is read once per request and reused by the claims below. */
export interface ProviderAccount {
  accountId: string;
  user: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>;
  /** Every claim Gatehouse can state about the user; the provider keeps those the granted scopes allow. */
  claims(): Promise<Record<string, unknown>>;
}

/** What the claims of ID tokens and userinfo need besides the user. */
export interface AccountContext {
  db: DirDb;
  tenantId: () => Promise<string>;
  /** The issuer (publicUrl), for the groups overage source. */
  publicUrl: string;
}

/**
 * Entra puts at most 200 group ids in a JWT; beyond that it leaves `groups` out and says where to read them
 * (`_claim_names` / `_claim_sources`, and `hasgroups: true`), so tokens and URLs stay small.
 */
export const GROUPS_CLAIM_LIMIT = 200;

/** Which scope releases which claim (oidc-provider `claims`); `amr` and `auth_time` come from the sign-in itself. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub', 'oid', 'tid', 'auth_time', 'amr', 'userType', 'idp', 'groups', 'hasgroups', 'roles', 'wids'],
  profile: ['name', 'preferred_username'],
  email: ['email'],
};

/** A guest's identity provider as Entra names it: the partner's issuer, or `mail` for email one-time passcodes. */
function identityProviderOf(user: UserRow): string | undefined {
  if (user.user_type !== 'Guest') return undefined;
  const federated = user.identities.find((identity) => identity.signInType === 'federated');
  if (federated) return federated.issuer;
  return user.identities.some((identity) => identity.signInType === 'emailAddress') ? 'mail' : undefined;
}

/**
 * The claims of a user for ID tokens and userinfo, Entra-shaped: `oid` (= `sub`), `tid`, `name`,
 * `preferred_username` (UPN), `email`, `userType`, `idp` (guests), `groups` (transitive group ids, capped),
 * `roles` and `wids` (directory role template ids). Empty collections are left out, as Entra does.
 */
export async function userClaims(context: AccountContext, user: UserRow): Promise<Record<string, unknown>> {
  const [tid, groups, roleIds] = await Promise.all([context.tenantId(), listMemberOf(context.db, user.id, { transitive: true }), roleIdsForUser(context.db, user.id)]);
  const claims: Record<string, unknown> = {
    sub: user.id,
    oid: user.id,
    tid,
    name: user.display_name,
    preferred_username: user.user_principal_name,
    userType: user.user_type,
  };
  if (user.mail) claims.email = user.mail;
  const idp = identityProviderOf(user);
  if (idp) claims.idp = idp;
  const groupIds = groups.map((group) => group.id).sort();
  if (groupIds.length > GROUPS_CLAIM_LIMIT) {
    claims.hasgroups = true;
    claims._claim_names = { groups: 'src1' };
    claims._claim_sources = { src1: { endpoint: `${context.publicUrl.replace(/\/+$/, '')}/v1.0/users/${user.id}/transitiveMemberOf` } };
  } else if (groupIds.length > 0) {
    claims.groups = groupIds;
  }
  const roles = [...roleIds].sort();
  if (roles.length > 0) {
    claims.roles = roles;
    claims.wids = roles;
  }
  return claims;
}

/**
 * The provider's findAccount: an enabled user; when a grant source or token (code, device code, refresh token,
 * userinfo access token) is given, one issued after the user's last revocation (revokeSignInSessions), so
 * revocation also kills refresh tokens and userinfo access at once.
 */
export async function findAccount(context: AccountContext, sub: string, token?: { iat?: number }): Promise<ProviderAccount | undefined> {
  if (!isUuid(sub)) return undefined;
  const user = await findUserRow(context.db, sub);
  if (!user || !user.account_enabled) return undefined;
  if (typeof token?.iat === 'number' && issuedBeforeRevocation(token.iat, user)) return undefined;
  return {
    accountId: user.id,
    user: { id: user.id, display_name: user.display_name, user_principal_name: user.user_principal_name },
    claims: () => userClaims(context, user),
  };
}

interface StructuredToken {
  header?: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** formats.customizers.jwt: turn the provider's RFC 9068 payload into an Entra-shaped one. */
export async function customizeAccessToken(db: DirDb, tenantId: () => Promise<string>, ctx: ProviderContext, token: ProviderModel, jwt: StructuredToken): Promise<void> {
  const payload = jwt.payload;
  const clientId = payload.client_id as string;
  const common = { tid: await tenantId(), azp: clientId, appid: clientId, ver: '2.0', nbf: payload.iat };
  delete payload.scope;
  if (token.kind === 'ClientCredentials') {
    const info = (ctx?.oidc?.client as { gatehouse?: AppClientInfo } | undefined)?.gatehouse;
    if (!info) throw new Error('client credentials token for a client without Gatehouse application info');
    Object.assign(payload, common, {
      sub: info.servicePrincipalId,
      oid: info.servicePrincipalId,
      idtyp: 'app' satisfies TokenType,
      roles: info.roles,
      app_displayname: info.displayName,
    });
    return;
  }
  const account = ctx?.oidc?.account as ProviderAccount | undefined;
  const accountId = token.accountId as string;
  const user = account?.accountId === accountId ? account.user : await findUserRow(db, accountId);
  if (!user) throw new Error('delegated token for a user that no longer exists');
  const permissions = [...(await permissionsForUser(db, user.id))].sort();
  Object.assign(payload, common, {
    sub: user.id,
    oid: user.id,
    idtyp: 'user' satisfies TokenType,
    // Entra lists the delegated permissions; ours are the user's role permissions at issue time.
    scp: permissions.length > 0 ? permissions.join(' ') : 'User.Read',
    name: user.display_name,
    preferred_username: user.user_principal_name,
  });
}
