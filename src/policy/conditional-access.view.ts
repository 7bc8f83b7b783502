/**
 * The sign-in facts normalised once per evaluation for the compiled policies (conditional-access.compile.ts):
 * enum facts become small indexes into per-policy tables, methods already performed become bits, and the ids a
 * sign-in holds (groups, roles, matched named locations, accepted terms of use) are looked up once in an index of
 * the ids the policies mention. A policy then asks "does the user hold listed group k" by comparing one stamp, not
 * by scanning the user's groups.
 *
 * The view is also the snapshot the lazily built per-policy reports are computed from, so it copies what it needs:
 * a caller may change its facts object after evaluating without changing a decision already returned.
 */
import type { ClientAppType, DevicePlatform, ExternalUserKind, RiskLevel, SignInFacts } from './conditional-access.types.ts';

export const CLIENT_APP_TYPES: readonly ClientAppType[] = ['browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'];
export const PLATFORMS: readonly (DevicePlatform | null)[] = [null, 'android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux'];
export const RISK_LEVELS: readonly RiskLevel[] = ['none', 'low', 'medium', 'high'];

/** Bits of `SignInView.satisfied`. A phishing-resistant method is also multifactor, so it sets MFA too. */
export const SATISFIED = {
  mfa: 1,
  phishingResistant: 2,
  compliantDevice: 4,
  domainJoinedDevice: 8,
  approvedApplication: 16,
  compliantApplication: 32,
  passwordChanged: 64,
} as const;

/** Number of combinations of client app type, platform, sign-in risk and user risk with known values. */
export const ENVIRONMENTS = CLIENT_APP_TYPES.length * PLATFORMS.length * RISK_LEVELS.length * RISK_LEVELS.length;

// Switches rather than maps: the facts hold literal (internalised) strings, so these compare pointers.
function clientIndex(client: string): number {
  switch (client) {
    case 'browser': return 0;
    case 'mobileAppsAndDesktopClients': return 1;
    case 'exchangeActiveSync': return 2;
    case 'other': return 3;
    default: return -1;
  }
}

function platformIndex(platform: string | null): number {
  switch (platform) {
    case null: return 0;
    case 'android': return 1;
    case 'iOS': return 2;
    case 'windows': return 3;
    case 'windowsPhone': return 4;
    case 'macOS': return 5;
    case 'linux': return 6;
    default: return -1;
  }
}

function riskIndex(level: string): number {
  switch (level) {
    case 'none': return 0;
    case 'low': return 1;
    case 'medium': return 2;
    case 'high': return 3;
    default: return -1;
  }
}

/**
 * A cheap 16-bit fingerprint of an id (length and two characters at each end), so most of a user's ~50 groups,
 * which no policy mentions, are passed over without a hash lookup.
 */
function fingerprint(id: string): number {
  const n = id.length;
  // charCodeAt past the end is NaN, which the bitwise operators read as 0.
  return (Math.imul(id.charCodeAt(0), 0x9e3779b1) ^ Math.imul(id.charCodeAt(1), 0x85ebca77) ^ Math.imul(id.charCodeAt(n - 1), 0xc2b2ae3d)
    ^ Math.imul(id.charCodeAt(n - 2), 0x27d4eb2f) ^ Math.imul(n, 0x165667b1)) >>> 16;
}

/** One code for a combination of the four enum facts; -1 when any of them is not a known value. */
export function environmentCode(client: number, platform: number, signInRisk: number, userRisk: number): number {
  if (client < 0 || platform < 0 || signInRisk < 0 || userRisk < 0) return -1;
  return ((client * PLATFORMS.length + platform) * RISK_LEVELS.length + signInRisk) * RISK_LEVELS.length + userRisk;
}

export interface SignInView {
  userId: string;
  guestOrExternal: boolean;
  externalKind: ExternalUserKind | null;
  homeTenantId: string | null;
  applicationId: string;
  clientAppType: string;
  client: number;
  platform: DevicePlatform | null;
  platformIndex: number;
  trusted: boolean;
  signInRiskLevel: string;
  signInRisk: number;
  userRiskLevel: string;
  userRisk: number;
  environment: number;
  satisfied: number;
  lastSignInAgeMinutes: number | null | undefined;
  /** Indexes (in `Membership`) of the mentioned ids this sign-in holds. */
  held: number[];
}

/**
 * Ids the policies mention, each given an index, in four separate namespaces (a group and a named location may
 * share an id). The stamp array says which of them the sign-in being evaluated holds: `stamp[i] === generation`.
 * Evaluation is synchronous, so one stamp array per compiled policy set serves every evaluation in turn.
 */
export class Membership {
  readonly groups = new Map<string, number>();
  readonly roles = new Map<string, number>();
  readonly locations = new Map<string, number>();
  readonly termsOfUse = new Map<string, number>();
  /** Fingerprints of the mentioned groups, one bit each (a user's other groups are skipped without a lookup). */
  private readonly groupFingerprints = new Int32Array(65536 / 32);
  private stamp = new Int32Array(0);
  private generation = 0;
  private size = 0;

  /** Index each listed id (at compile time); the answer is parallel to `ids`. */
  index(namespace: Map<string, number>, ids: readonly string[]): Int32Array {
    const out = new Int32Array(ids.length);
    ids.forEach((id, k) => {
      let i = namespace.get(id);
      if (i === undefined) {
        i = this.size++;
        namespace.set(id, i);
        if (namespace === this.groups) {
          const f = fingerprint(id);
          this.groupFingerprints[f >>> 5]! |= 1 << (f & 31);
        }
      }
      out[k] = i;
    });
    return out;
  }

  /** Whether the sign-in last marked holds the id with this index. */
  holds(i: number): boolean {
    return this.stamp[i] === this.generation;
  }

  /** Make `view.held` the current holdings (before evaluating any policy against the view). */
  mark(view: SignInView): void {
    if (this.stamp.length !== this.size) this.stamp = new Int32Array(this.size);
    if (this.generation === 0x7fffffff) {
      this.stamp.fill(0);
      this.generation = 0;
    }
    const generation = ++this.generation;
    const { stamp } = this;
    const { held } = view;
    for (let k = 0; k < held.length; k++) stamp[held[k] as number] = generation;
  }

  private collect(namespace: Map<string, number>, ids: readonly string[], held: number[]): void {
    if (namespace.size === 0) return;
    for (let k = 0; k < ids.length; k++) {
      const i = namespace.get(ids[k] as string);
      if (i !== undefined) held.push(i);
    }
  }

  private collectGroups(ids: readonly string[], held: number[]): void {
    if (this.groups.size === 0) return;
    const { groupFingerprints: fingerprints, groups } = this;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as string;
      const f = fingerprint(id);
      if ((fingerprints[f >>> 5]! & (1 << (f & 31))) === 0) continue;
      const i = groups.get(id);
      if (i !== undefined) held.push(i);
    }
  }

  /** Normalise the facts (and mark the view as current). */
  view(facts: SignInFacts): SignInView {
    const { user, satisfied, location } = facts;
    const held: number[] = [];
    this.collectGroups(user.groupIds, held);
    this.collect(this.roles, user.roleIds, held);
    this.collect(this.locations, location.matchedLocationIds, held);
    this.collect(this.termsOfUse, satisfied.termsOfUse, held);
    const client = clientIndex(facts.clientAppType);
    const platform = platformIndex(facts.platform);
    const signInRisk = riskIndex(facts.signInRiskLevel);
    const userRisk = riskIndex(facts.userRiskLevel);
    const view: SignInView = {
      userId: user.id,
      guestOrExternal: user.externalUserKind !== null || user.userType === 'Guest',
      externalKind: user.externalUserKind,
      homeTenantId: user.homeTenantId,
      applicationId: facts.applicationId,
      clientAppType: facts.clientAppType,
      client,
      platform: facts.platform,
      platformIndex: platform,
      trusted: location.isTrusted,
      signInRiskLevel: facts.signInRiskLevel,
      signInRisk,
      userRiskLevel: facts.userRiskLevel,
      userRisk,
      environment: environmentCode(client, platform, signInRisk, userRisk),
      satisfied:
        (satisfied.mfa || satisfied.phishingResistant ? SATISFIED.mfa : 0) |
        (satisfied.phishingResistant ? SATISFIED.phishingResistant : 0) |
        (satisfied.compliantDevice ? SATISFIED.compliantDevice : 0) |
        (satisfied.domainJoinedDevice ? SATISFIED.domainJoinedDevice : 0) |
        (satisfied.approvedApplication ? SATISFIED.approvedApplication : 0) |
        (satisfied.compliantApplication ? SATISFIED.compliantApplication : 0) |
        (satisfied.passwordChanged ? SATISFIED.passwordChanged : 0),
      lastSignInAgeMinutes: facts.lastSignInAgeMinutes,
      held,
    };
    this.mark(view);
    return view;
  }
}
