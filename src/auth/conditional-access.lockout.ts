import { AppError } from '#src/core/errors.ts';
import { parseQueryOptions } from '#src/core/odata/index.ts';
import { findUserRow, GLOBAL_ADMINISTRATOR_ID, listRoleAssignments, type DirDb, type UserRow } from '#src/directory/index.ts';
import { evaluateConditionalAccess, type ConditionalAccessPolicy, type DevicePlatform, type Requirement, type SignInFacts } from '#src/policy/index.ts';
import type { Db } from '#src/store/index.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import { emergencyAccessOf } from './emergency-access.service.ts';
import { PORTAL_APP_ID } from './conditional-access.applications.ts';
import { gatherSignInFacts } from './sign-in-facts.ts';

/**
 * The admin lockout guard: a Conditional Access change must leave at least one Global Administrator able to sign
 * in to the portal. "Able" is judged pessimistically about where they are (an untrusted address in no named
 * location, no risk) and optimistically about what they can do: on any platform, with MFA and a phishing-resistant
 * passkey done. A compliant device (only a partner's claim can vouch for one) and terms of use (Gatehouse cannot
 * present agreements yet) cannot be satisfied by an administrator, so a policy demanding them counts as blocking.
 * Emergency-access accounts left out of Conditional Access can always sign in; when they are the only ones left,
 * the change needs an explicit confirmation.
 */
export interface LockoutCheck {
  before: readonly ConditionalAccessPolicy[];
  after: readonly ConditionalAccessPolicy[];
  /** The request confirmed that only emergency-access accounts may be left able to sign in. */
  confirmed: boolean;
}

export interface LockoutOutcome {
  /** True when the change went through on the strength of the confirmation. */
  confirmedRisk: boolean;
}

/** The refusal, with what the audit event and the error details carry. */
export class LockoutRefusal extends AppError {
  constructor(
    code: 'ADMIN_LOCKOUT' | 'ADMIN_LOCKOUT_CONFIRMATION_REQUIRED',
    message: string,
    readonly blockingPolicies: { id: string; displayName: string }[],
  ) {
    super(code, AuthErrorCodes[code].status, message, { details: { blockingPolicies } });
  }
}

const PLATFORMS: (DevicePlatform | null)[] = ['windows', 'macOS', 'linux', 'iOS', 'android', null];
const DOABLE: ReadonlySet<Requirement> = new Set<Requirement>(['mfa', 'phishingResistant', 'reauthentication']);

interface Admin {
  user: UserRow;
  emergency: { excludeFromConditionalAccess: boolean } | undefined;
  facts: SignInFacts;
}

async function globalAdministrators(db: Db): Promise<UserRow[]> {
  const ids = new Set<string>();
  let skiptoken: string | undefined;
  do {
    const query: Record<string, string> = { $filter: `roleDefinitionId eq '${GLOBAL_ADMINISTRATOR_ID}'`, $top: '999' };
    if (skiptoken) query.$skiptoken = skiptoken;
    const page = await listRoleAssignments(db as DirDb, parseQueryOptions(query, {}));
    for (const assignment of page.value) ids.add(assignment.principalId);
    skiptoken = page.skiptoken;
  } while (skiptoken);
  const users: UserRow[] = [];
  for (const id of ids) {
    const user = await findUserRow(db as DirDb, id);
    if (user && user.account_enabled && !user.deleted_at) users.push(user);
  }
  return users;
}

async function adminFacts(db: Db, user: UserRow): Promise<SignInFacts> {
  const { facts } = await gatherSignInFacts({ db }, {
    userId: user.id,
    applicationId: PORTAL_APP_ID,
    clientAppType: 'browser',
    ipAddress: null,
    countryOrRegion: null,
    signInRiskLevel: 'none',
    userRiskLevel: 'none',
    satisfied: { mfa: true, phishingResistant: true, compliantDevice: false, termsOfUse: [] },
    lastSignInAgeMinutes: null,
  });
  // Worst case for where: an address no named location (trusted or country) covers.
  return { ...facts, location: { matchedLocationIds: [], isTrusted: false } };
}

/** Whether the admin gets in on some platform; otherwise the policies that stopped them. */
function signInOutcome(policies: readonly ConditionalAccessPolicy[], admin: Admin): { able: boolean; blocking: ConditionalAccessPolicy[] } {
  if (admin.emergency?.excludeFromConditionalAccess) return { able: true, blocking: [] };
  const blocking = new Map<string, ConditionalAccessPolicy>();
  for (const platform of PLATFORMS) {
    const decision = evaluateConditionalAccess(policies, { ...admin.facts, platform });
    if (decision.outcome === 'allow' || (decision.outcome === 'interrupt' && decision.required.every((r) => DOABLE.has(r)))) return { able: true, blocking: [] };
    for (const report of decision.appliedPolicies) {
      const policy = policies.find((p) => p.id === report.id);
      if (policy && report.result === 'failure') blocking.set(policy.id, policy);
    }
  }
  return { able: false, blocking: [...blocking.values()] };
}

interface Standing {
  regular: UserRow[];
  emergency: UserRow[];
  blocking: Map<string, ConditionalAccessPolicy>;
}

function standing(policies: readonly ConditionalAccessPolicy[], admins: Admin[]): Standing {
  const enforced = policies.filter((policy) => policy.state === 'enabled');
  const result: Standing = { regular: [], emergency: [], blocking: new Map() };
  for (const admin of admins) {
    const outcome = signInOutcome(enforced, admin);
    if (outcome.able) (admin.emergency ? result.emergency : result.regular).push(admin.user);
    else for (const policy of outcome.blocking) result.blocking.set(policy.id, policy);
  }
  return result;
}

const names = (policies: Iterable<ConditionalAccessPolicy>): string => [...policies].map((p) => `'${p.displayName}'`).join(', ') || 'the enforced policies';

/**
 * Refuse (throw a LockoutRefusal) a change after which no Global Administrator could sign in to the portal, or only
 * emergency-access accounts could and the request did not confirm it. A change that does not make matters worse
 * than they already were (fixing an existing lockout step by step) is let through.
 */
export async function assertNoAdminLockout(db: Db, check: LockoutCheck): Promise<LockoutOutcome> {
  if (!check.after.some((policy) => policy.state === 'enabled') && !check.before.some((policy) => policy.state === 'enabled')) return { confirmedRisk: false };
  const admins: Admin[] = [];
  for (const user of await globalAdministrators(db)) {
    admins.push({ user, emergency: await emergencyAccessOf(db, user.id), facts: await adminFacts(db, user) });
  }
  if (admins.length === 0) return { confirmedRisk: false };
  const after = standing(check.after, admins);
  if (after.regular.length > 0) return { confirmedRisk: false };
  const before = standing(check.before, admins);
  const blocking = [...after.blocking.values()].map((policy) => ({ id: policy.id, displayName: policy.displayName }));
  if (after.emergency.length === 0) {
    if (before.regular.length === 0 && before.emergency.length === 0) return { confirmedRisk: false };
    throw new LockoutRefusal(
      'ADMIN_LOCKOUT',
      `This change would block every Global Administrator from signing in to the Gatehouse portal (checked from an untrusted location, on every platform, with MFA done): ${names(after.blocking.values())}. Exclude an administrator or an emergency-access account (conditions.users.excludeUsers or excludeRoles), or save the policy as report-only (enabledForReportingButNotEnforced) first.`,
      blocking,
    );
  }
  if (before.regular.length === 0) return { confirmedRisk: false };
  if (check.confirmed) return { confirmedRisk: true };
  const accounts = after.emergency.map((user) => user.user_principal_name).join(', ');
  throw new LockoutRefusal(
    'ADMIN_LOCKOUT_CONFIRMATION_REQUIRED',
    `After this change only emergency-access (break-glass) accounts could still sign in to the Gatehouse portal as Global Administrator (${accounts}); ${names(after.blocking.values())} would block every other administrator. If that is intended, repeat the request with ?confirmLockoutRisk=true or the header Gatehouse-Confirm-Lockout-Risk: true.`,
    blocking,
  );
}
