import { sql } from 'kysely';
import type { Db } from '#src/store/index.ts';

/**
 * User consent to registered applications, remembered like Entra's user consent: once a user approved an
 * application for some OpenID Connect scopes, the next sign-in asking for the same (or fewer) scopes does not show
 * the approval page again; asking for more, or `prompt=consent`, does. Gatehouse's own CLI is never remembered
 * (every device or browser sign-in of the CLI is approved by hand). Rows go with the user or the application.
 */
export interface OAuthConsentTable {
  user_id: string;
  app_id: string;
  scopes: string[];
  created_at: Date;
  updated_at: Date;
}

export type ConsentDb = Db<{ oauth_consents: OAuthConsentTable }>;

/** The OpenID Connect scopes Gatehouse serves, in the order the approval page lists them. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
export type OidcScope = (typeof OIDC_SCOPES)[number];
const KNOWN = new Set<string>(OIDC_SCOPES);

/** The OpenID Connect scopes among those a client sent (others are not consented to: they grant nothing here). */
export const oidcScopesOf = (scopes: readonly string[]): OidcScope[] => OIDC_SCOPES.filter((scope) => scopes.includes(scope)) as OidcScope[];

/** Scopes the user already consented to for the application (empty when never). */
export async function consentedScopes(db: Db, userId: string, appId: string): Promise<Set<string>> {
  const row = await (db as ConsentDb).selectFrom('oauth_consents').select('scopes').where('user_id', '=', userId).where('app_id', '=', appId).executeTakeFirst();
  return new Set(row?.scopes ?? []);
}

/** Whether a remembered consent exists and covers every requested OpenID Connect scope. */
export const consentCovers = (granted: ReadonlySet<string>, requested: readonly string[]): boolean =>
  granted.size > 0 && requested.filter((scope) => KNOWN.has(scope)).every((scope) => granted.has(scope));

/** Remember (the union of) the scopes the user approved; in the caller's transaction, next to the audit event. */
export async function rememberConsent(trx: Db, input: { userId: string; appId: string; scopes: readonly string[]; now: Date }): Promise<void> {
  const scopes = oidcScopesOf(input.scopes);
  await (trx as ConsentDb)
    .insertInto('oauth_consents')
    .values({ user_id: input.userId, app_id: input.appId, scopes, created_at: input.now, updated_at: input.now })
    .onConflict((oc) =>
      oc.columns(['user_id', 'app_id']).doUpdateSet({
        scopes: sql<string[]>`ARRAY(SELECT DISTINCT unnest(oauth_consents.scopes || excluded.scopes) ORDER BY 1)`,
        updated_at: input.now,
      }),
    )
    .execute();
}
