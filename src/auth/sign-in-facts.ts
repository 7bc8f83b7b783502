import { listMemberOf, roleIdsForUser, findUserRow, type DirDb, type UserRow } from '#src/directory/index.ts';
import {
  deviceDetailFromUserAgent,
  matchNamedLocations,
  platformFromUserAgent,
  type ClientAppType,
  type DeviceDetail,
  type DevicePlatform,
  type ExternalUserKind,
  type RiskLevel,
  type SignInFacts,
} from '#src/policy/index.ts';
import type { Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import { lookupIp as geoLookup, type GeoLocation } from './geoip.ts';
import { providerForIssuer } from './identity-providers.service.ts';
import { loadCompiledNamedLocations } from './named-locations.service.ts';

/**
 * The one place the facts of a sign-in are gathered for Conditional Access: the real sign-in pipeline and the
 * what-if API both call it, so both decide on the same facts with the same evaluator. It reads the user (type,
 * external kind, home tenant), their transitive groups and roles, the named locations the address falls in (via
 * the offline GeoIP database) and the platform from the User-Agent; the caller brings what only it knows
 * (application, client app type, risk, what the user has already done).
 */
export interface SignInFactsDeps {
  db: Db;
  /** GeoIP lookup; the offline database by default (tests may pass another). */
  lookupIp?: (ip: string) => GeoLocation | null;
}

export interface SignInFactsInput {
  userId: string;
  applicationId: string;
  clientAppType: ClientAppType;
  userAgent?: string | null;
  /** What-if: the platform to assume instead of reading the User-Agent (null: unknown). */
  platform?: DevicePlatform | null;
  ipAddress?: string | null;
  /** What-if: the country to assume instead of asking GeoIP (null: unknown). */
  countryOrRegion?: string | null;
  signInRiskLevel: RiskLevel;
  userRiskLevel: RiskLevel;
  satisfied: SignInFacts['satisfied'];
  lastSignInAgeMinutes?: number | null;
  /** The partner tenant that vouched for this sign-in; otherwise derived from the guest's bound identity. */
  homeTenantId?: string | null;
}

/** Where the sign-in came from, for the sign-in log and the risk signals. */
export interface SignInLocationFacts {
  ipAddress: string | null;
  countryOrRegion: string | null;
  city: string | null;
  state: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface GatheredSignInFacts {
  facts: SignInFacts;
  location: SignInLocationFacts;
  deviceDetail: DeviceDetail;
}

/** An identity that came from outside: a partner IdP or an email one-time passcode (not this tenant's own UPN). */
const hasExternalIdentity = (user: UserRow): boolean =>
  user.creation_type === 'Invitation' || user.identities.some((identity) => identity.signInType !== 'userPrincipalName');

/**
 * Entra's external user kinds as far as Gatehouse can tell them apart: an invited (or federated/OTP) guest is a
 * B2B collaboration guest, an invited member a B2B collaboration member, a guest created here an internal guest.
 */
export function externalUserKindOf(user: UserRow): ExternalUserKind | null {
  const external = hasExternalIdentity(user);
  if (user.user_type === 'Guest') return external ? 'b2bCollaborationGuest' : 'internalGuest';
  return external ? 'b2bCollaborationMember' : null;
}

/** The partner key of a federated guest: the tenant id its identity provider is configured with, else the issuer. */
async function homeTenantOf(db: Db, user: UserRow): Promise<string | null> {
  const federated = user.identities.find((identity) => identity.signInType === 'federated');
  if (!federated) return null;
  const provider = await providerForIssuer(db, federated.issuer);
  return provider ? (provider.tenant_id ?? provider.issuer) : federated.issuer;
}

function locationOf(deps: SignInFactsDeps, input: SignInFactsInput): SignInLocationFacts {
  const ipAddress = input.ipAddress ?? null;
  const geo = ipAddress ? (deps.lookupIp ?? geoLookup)(ipAddress) : null;
  const override = input.countryOrRegion === undefined ? undefined : (input.countryOrRegion?.toUpperCase() ?? null);
  // A what-if country overrides GeoIP; the city is kept only when it lies in that country.
  const sameCountry = geo !== null && (override === undefined || override === geo.countryOrRegion);
  return {
    ipAddress,
    countryOrRegion: override !== undefined ? override : (geo?.countryOrRegion ?? null),
    city: sameCountry ? geo.city : null,
    state: sameCountry ? geo.state : null,
    latitude: sameCountry ? geo.latitude : null,
    longitude: sameCountry ? geo.longitude : null,
  };
}

/** Gather the facts of one sign-in (reads only). */
export async function gatherSignInFacts(deps: SignInFactsDeps, input: SignInFactsInput): Promise<GatheredSignInFacts> {
  const db = deps.db;
  const user = await findUserRow(db as DirDb, input.userId);
  if (!user) throw authError('INVALID_VALUE', `userId: no user with id '${input.userId}'`);
  const groups = await listMemberOf(db as DirDb, user.id, { transitive: true });
  const roleIds = await roleIdsForUser(db as DirDb, user.id);
  const homeTenant = input.homeTenantId ?? (await homeTenantOf(db, user));
  const namedLocations = await loadCompiledNamedLocations(db);
  const location = locationOf(deps, input);
  const matched = matchNamedLocations(namedLocations, { ipAddress: location.ipAddress, countryOrRegion: location.countryOrRegion });
  const facts: SignInFacts = {
    user: {
      id: user.id,
      groupIds: groups.map((group) => group.id),
      roleIds,
      userType: user.user_type,
      externalUserKind: externalUserKindOf(user),
      homeTenantId: homeTenant,
    },
    applicationId: input.applicationId,
    clientAppType: input.clientAppType,
    platform: input.platform !== undefined ? input.platform : platformFromUserAgent(input.userAgent),
    location: matched,
    signInRiskLevel: input.signInRiskLevel,
    userRiskLevel: input.userRiskLevel,
    satisfied: input.satisfied,
    lastSignInAgeMinutes: input.lastSignInAgeMinutes ?? null,
  };
  return { facts, location, deviceDetail: deviceDetailFromUserAgent(input.userAgent) };
}
