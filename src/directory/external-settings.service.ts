import { changedProperties } from '#src/core/diff.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { DirDb as Db, DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';

/** Who may invite guests (Graph authorizationPolicy.allowInvitesFrom). */
export const ALLOW_INVITES_FROM = ['none', 'adminsAndGuestInviters', 'adminsGuestInvitersAndAllMembers', 'everyone'] as const;
export type AllowInvitesFrom = (typeof ALLOW_INVITES_FROM)[number];

/** Entra's guest user role ids (authorizationPolicy.guestUserRoleId): how much of the directory guests can read. */
export const GUEST_ROLES = {
  'a0b1b346-4d3e-4e8b-98f8-753987be4970': 'User (same access as members)',
  '10dae51f-b6af-4016-8d66-8c2a99b929b3': 'Guest User (limited access)',
  '2af84b1e-32c8-42b7-82bc-daa82404023b': 'Restricted Guest User (own profile only)',
} as const;

/**
 * The tenant's external collaboration settings: who may invite, which domains, how invitees prove who they are,
 * where they may be sent afterwards, and what they must accept. Graph's authorizationPolicy and
 * externalIdentitiesPolicy are views over the same settings.
 */
export interface ExternalCollaborationSettings {
  allowInvitesFrom: AllowInvitesFrom;
  guestUserRoleId: string;
  allowExternalIdentitiesToLeave: boolean;
  /** Email one-time passcode for invitees whose domain has no identity provider. */
  emailOneTimePasscode: 'enabled' | 'disabled';
  /** Invitations may go only to these domains (and their subdomains). Exclusive with blockedDomains. */
  allowedDomains: string[];
  /** Invitations may not go to these domains (and their subdomains). Exclusive with allowedDomains. */
  blockedDomains: string[];
  /** Days a redeem link stays valid. */
  invitationLifetimeInDays: number;
  /**
   * Where invitees may be sent after redemption (inviteRedirectUrl). An entry matches the same URL, or, ending in
   * `*`, any URL that starts with the part before the `*` (same scheme and host). The portal is always allowed.
   */
  allowedRedirectUrls: string[];
  termsOfUseUrl: string | null;
  privacyStatementUrl: string | null;
}

const POLICY_ID = 'externalCollaboration';

export const defaultExternalCollaboration = (): ExternalCollaborationSettings => ({
  allowInvitesFrom: 'adminsAndGuestInviters',
  guestUserRoleId: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
  allowExternalIdentitiesToLeave: true,
  emailOneTimePasscode: 'enabled',
  allowedDomains: [],
  blockedDomains: [],
  invitationLifetimeInDays: 30,
  allowedRedirectUrls: [],
  termsOfUseUrl: null,
  privacyStatementUrl: null,
});

export async function getExternalCollaboration(db: Db): Promise<ExternalCollaborationSettings> {
  const row = await db.selectFrom('tenant_policies').select('body').where('id', '=', POLICY_ID).executeTakeFirst();
  return { ...defaultExternalCollaboration(), ...((row?.body ?? {}) as Partial<ExternalCollaborationSettings>) };
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function normalizeDomains(property: string, domains: string[]): string[] {
  const out = new Set<string>();
  for (const raw of domains) {
    const domain = raw.trim().toLowerCase().replace(/^\*\./, '');
    if (!DOMAIN.test(domain)) throw directoryError('INVALID_VALUE', `${property}: '${raw}' is not a domain name (e.g. vendor.com)`);
    out.add(domain);
  }
  if (out.size > 1000) throw directoryError('INVALID_VALUE', `${property}: at most 1000 domains`);
  return [...out].sort();
}

const CONTROL_OR_SPACE = /[\s\x00-\x1f\x7f]/;

function checkUrl(property: string, value: string, allowStar: boolean): string {
  const text = value.trim();
  if (CONTROL_OR_SPACE.test(text)) throw directoryError('INVALID_VALUE', `${property}: '${value}' contains spaces or control characters`);
  const bare = allowStar && text.endsWith('*') ? text.slice(0, -1) : text;
  let url: URL;
  try {
    url = new URL(bare);
  } catch {
    throw directoryError('INVALID_VALUE', `${property}: '${value}' is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw directoryError('INVALID_VALUE', `${property}: '${value}' must be an http or https URL`);
  if (url.hash) throw directoryError('INVALID_VALUE', `${property}: '${value}' must not contain a fragment (#...)`);
  if (url.username || url.password) throw directoryError('INVALID_VALUE', `${property}: '${value}' must not contain credentials`);
  return text;
}

/** Validate and apply a partial change; modifiedProperties in the audit event name each change. */
export async function updateExternalCollaboration(deps: DirectoryDeps, actor: Actor, patch: Partial<ExternalCollaborationSettings>): Promise<ExternalCollaborationSettings> {
  const clean: Partial<ExternalCollaborationSettings> = { ...patch };
  if (patch.allowedDomains) clean.allowedDomains = normalizeDomains('allowedDomains', patch.allowedDomains);
  if (patch.blockedDomains) clean.blockedDomains = normalizeDomains('blockedDomains', patch.blockedDomains);
  if (patch.guestUserRoleId !== undefined && !Object.hasOwn(GUEST_ROLES, patch.guestUserRoleId.toLowerCase())) {
    throw directoryError('INVALID_VALUE', `guestUserRoleId must be one of ${Object.keys(GUEST_ROLES).join(', ')}`);
  }
  if (patch.guestUserRoleId !== undefined) clean.guestUserRoleId = patch.guestUserRoleId.toLowerCase();
  if (patch.allowedRedirectUrls) {
    if (patch.allowedRedirectUrls.length > 100) throw directoryError('INVALID_VALUE', 'allowedRedirectUrls: at most 100 entries');
    clean.allowedRedirectUrls = patch.allowedRedirectUrls.map((u) => checkUrl('allowedRedirectUrls', u, true));
  }
  for (const key of ['termsOfUseUrl', 'privacyStatementUrl'] as const) {
    const value = patch[key];
    if (typeof value === 'string') clean[key] = checkUrl(key, value, false);
  }
  return inTransaction(deps.db, async (trx) => {
    await trx.selectFrom('tenant').select('id').forUpdate().execute();
    const before = await getExternalCollaboration(trx);
    const after = { ...before, ...clean };
    if (after.allowedDomains.length > 0 && after.blockedDomains.length > 0) {
      throw directoryError('INVALID_VALUE', 'Use either allowedDomains or blockedDomains, not both: clear one list in the same request.');
    }
    const changes = changedProperties(before as unknown as Record<string, unknown>, clean as Record<string, unknown>);
    if (changes.length === 0) return before;
    const now = deps.clock.now();
    await trx
      .insertInto('tenant_policies')
      .values({ id: POLICY_ID, body: JSON.stringify(after), updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ body: JSON.stringify(after), updated_at: now }))
      .execute();
    await appendAudit(trx, deps.clock, { event: 'policy.updated', actor, targets: [{ id: POLICY_ID, type: 'Policy', displayName: 'External collaboration settings', modifiedProperties: changes }] });
    return after;
  });
}

/** Whether the domain of an address may be invited (or redeem), and if not, why. */
export function domainVerdict(settings: Pick<ExternalCollaborationSettings, 'allowedDomains' | 'blockedDomains'>, email: string): { allowed: true } | { allowed: false; reason: string } {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const within = (list: string[]) => list.some((d) => domain === d || domain.endsWith(`.${d}`));
  if (settings.allowedDomains.length > 0 && !within(settings.allowedDomains)) {
    return { allowed: false, reason: `the domain ${domain} is not on the tenant's list of allowed domains` };
  }
  if (within(settings.blockedDomains)) return { allowed: false, reason: `the domain ${domain} is blocked by the tenant's external collaboration settings` };
  return { allowed: true };
}

/** Whether `url` may be used as inviteRedirectUrl: the portal itself, or a match of an allowed entry. */
export function redirectAllowed(settings: Pick<ExternalCollaborationSettings, 'allowedRedirectUrls'>, publicUrl: string, url: string): boolean {
  // URL parsing silently drops tabs and line breaks; a URL that carries them is refused rather than normalized.
  if (typeof url !== 'string' || CONTROL_OR_SPACE.test(url)) return false;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return false;
  if (target.username || target.password) return false;
  if (target.origin === new URL(publicUrl).origin) return true;
  return settings.allowedRedirectUrls.some((entry) => {
    if (!entry.endsWith('*')) return entry === url;
    const prefix = entry.slice(0, -1);
    // The prefix must fix at least scheme and host, so `https://app.example.com*` cannot match app.example.com.evil.
    const prefixUrl = new URL(prefix);
    return target.origin === prefixUrl.origin && url.startsWith(prefix);
  });
}
