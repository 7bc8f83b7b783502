import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Clock } from '#src/core/clock.ts';
import { isUuid } from '#src/core/crypto.ts';
import { unauthenticated, type AppError } from '#src/core/errors.ts';
import { appGrants, expandPermissions, findUserRow, permissionsForUser, type DirDb, type Permission } from '#src/directory/index.ts';
import type { Db } from '#src/store/index.ts';
import type { AuthDb } from './auth.tables.ts';
import { loadPublicJwks } from './keys.service.ts';
import { GATEHOUSE_CLI_CLIENT_ID } from './oauth-clients.ts';
import { issuedBeforeRevocation } from './token-claims.ts';

/** Who is calling the /v1.0 API, with the permissions that decide what they may do. */
export type Principal =
  | { kind: 'app'; appId: string; servicePrincipalId: string; displayName: string; permissions: Set<Permission> }
  | { kind: 'user'; userId: string; displayName: string; userPrincipalName: string; permissions: Set<Permission> };

export interface AccessTokenVerifierDeps {
  db: Db;
  clock: Clock;
  /** The issuer (publicUrl). */
  issuer: string;
  /** Audiences this API answers to. */
  audiences: readonly string[];
}

export interface AccessTokenVerifier {
  /** Verify a bearer token and resolve its principal with live permissions; throws UNAUTHENTICATED (401). */
  verify(token: string): Promise<Principal>;
  /** Re-read the published keys now (after a rotation on another node; also done on an unknown kid). */
  reloadKeys(): Promise<void>;
}

const ALGORITHMS = ['ES256', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;
/** An unknown kid triggers a key reload at most this often, so forged kids cannot hammer the database. */
const RELOAD_INTERVAL_MS = 10_000;
const MAX_TOKEN_LENGTH = 16_384;

function rejection(error: unknown): AppError {
  if (error instanceof joseErrors.JWTExpired) return unauthenticated('The access token has expired; request a new one.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return unauthenticated('The access token was issued for another audience; request a token for https://graph.microsoft.com/.default or this server.');
      case 'iss':
        return unauthenticated('The access token was not issued by this Gatehouse.');
      case 'nbf':
        return unauthenticated('The access token is not valid yet.');
      default:
        return unauthenticated(`The access token has an invalid '${error.claim}' claim.`);
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return unauthenticated('The access token is signed with an algorithm Gatehouse does not accept.');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return unauthenticated('The access token signature is invalid or its signing key is not one of this Gatehouse.');
  }
  return unauthenticated('The access token is malformed.');
}

/**
 * Verifies Gatehouse access tokens locally (no network): signature against the published keys of the database,
 * `iss`, `aud`, `exp`/`nbf` with a small tolerance, `typ` and the algorithm allow-list. Permissions are then read
 * from the directory on every call, so a revoked grant, a disabled service principal or user, or a
 * revokeSignInSessions takes effect on the next request (no cache: each call costs a few indexed queries).
 */
export function createAccessTokenVerifier(deps: AccessTokenVerifierDeps): AccessTokenVerifier {
  const db = deps.db as DirDb;
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let loadedAt = 0;

  const reloadKeys = async (): Promise<void> => {
    const jwks = (await loadPublicJwks(deps.db as AuthDb)) as JSONWebKeySet;
    keySet = createLocalJWKSet(jwks);
    loadedAt = Date.now();
  };

  const verifyJwt = async (token: string): Promise<JWTPayload> => {
    if (!keySet) await reloadKeys();
    const options = {
      issuer: deps.issuer,
      audience: [...deps.audiences],
      algorithms: ALGORITHMS,
      typ: 'at+jwt',
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: deps.clock.now(),
      requiredClaims: ['exp', 'iat', 'sub', 'oid', 'idtyp'],
    };
    try {
      return (await jwtVerify(token, keySet as ReturnType<typeof createLocalJWKSet>, options)).payload;
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey && Date.now() - loadedAt > RELOAD_INTERVAL_MS) {
        await reloadKeys();
        return (await jwtVerify(token, keySet as ReturnType<typeof createLocalJWKSet>, options)).payload;
      }
      throw error;
    }
  };

  const appPrincipal = async (claims: JWTPayload): Promise<Principal> => {
    const appId = claims.azp;
    if (typeof appId !== 'string') throw unauthenticated('The access token names no application.');
    const client = await appGrants(db, appId);
    if (!client || client.servicePrincipalId !== claims.oid) {
      throw unauthenticated('The application of this access token no longer exists in this tenant.');
    }
    if (!client.enabled) throw unauthenticated('The service principal of this application is disabled.');
    return {
      kind: 'app',
      appId: client.appId,
      servicePrincipalId: client.servicePrincipalId,
      displayName: client.displayName,
      permissions: expandPermissions(client.permissions),
    };
  };

  const userPrincipal = async (claims: JWTPayload): Promise<Principal> => {
    if (claims.azp !== GATEHOUSE_CLI_CLIENT_ID) throw unauthenticated('Delegated access tokens are only accepted from the Gatehouse CLI.');
    const userId = claims.oid;
    const user = typeof userId === 'string' && isUuid(userId) ? await findUserRow(db, userId) : undefined;
    if (!user) throw unauthenticated('The user of this access token no longer exists.');
    if (!user.account_enabled) throw unauthenticated('The user account of this access token is disabled.');
    if (issuedBeforeRevocation(claims.iat as number, user)) {
      throw unauthenticated("The access token was issued before the user's sessions were revoked; sign in again.");
    }
    return {
      kind: 'user',
      userId: user.id,
      displayName: user.display_name,
      userPrincipalName: user.user_principal_name,
      permissions: await permissionsForUser(db, user.id),
    };
  };

  return {
    reloadKeys,
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw unauthenticated('The access token is malformed.');
      let claims: JWTPayload;
      try {
        claims = await verifyJwt(token);
      } catch (error) {
        throw rejection(error);
      }
      // Sender-constrained tokens would need a proof this API does not check; the provider does not issue them.
      if (claims.cnf !== undefined) throw unauthenticated('Sender-constrained access tokens are not accepted.');
      if (claims.idtyp === 'app') return appPrincipal(claims);
      if (claims.idtyp === 'user') return userPrincipal(claims);
      throw unauthenticated('The access token is neither an application nor a user token.');
    },
  };
}
