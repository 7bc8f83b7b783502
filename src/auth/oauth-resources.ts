import { errors } from 'oidc-provider';

/**
 * The one API Gatehouse issues access tokens for (its Graph-compatible /v1.0 API), reachable under two resource
 * identifiers: Microsoft Graph's own (`https://graph.microsoft.com`, so MSAL / azure-identity code written for
 * Entra works unchanged with `https://graph.microsoft.com/.default`) and Gatehouse's public URL. A token's `aud`
 * is the identifier it was requested for; the verifier accepts both.
 */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export interface ApiResources {
  /** Identifiers a client may name (resource parameter or `<id>/.default` scope). */
  identifiers: readonly string[];
  /** Audiences access tokens carry and the verifier accepts. */
  audiences: readonly string[];
  /** The canonical identifier for `value` (trailing slash ignored), or undefined when Gatehouse does not serve it. */
  canonical(value: string): string | undefined;
  /** The resource a request means: its `resource` parameter, else the first `<resource>/.default` scope, else Graph. */
  fromRequest(resource: unknown, scope: unknown): string;
}

export function apiResources(publicUrl: string): ApiResources {
  const identifiers = [GRAPH_RESOURCE, publicUrl.replace(/\/+$/, '')];
  const canonical = (value: string): string | undefined => identifiers.find((id) => id === value.replace(/\/+$/, ''));
  return {
    identifiers,
    audiences: identifiers,
    canonical,
    fromRequest(resource, scope) {
      if (typeof resource === 'string' && resource !== '') {
        const known = canonical(resource);
        if (!known) throw new errors.InvalidTarget(`resource '${resource}' is not served by Gatehouse; use ${identifiers.join(' or ')}`);
        return known;
      }
      for (const value of typeof scope === 'string' ? scope.split(' ') : []) {
        if (!value.endsWith('/.default')) continue;
        const known = canonical(value.slice(0, -'/.default'.length));
        if (!known) throw new errors.InvalidScope(`scope '${value}' names an API Gatehouse does not serve; use ${identifiers.map((id) => `${id}/.default`).join(' or ')}`, value);
        return known;
      }
      return GRAPH_RESOURCE;
    },
  };
}

/** The scope of a resource server: only `<resource>/.default` (permissions come from grants and roles, not scopes). */
export const defaultScope = (resource: string): string => `${resource}/.default`;
