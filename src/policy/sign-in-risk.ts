import type { RiskLevel } from './conditional-access.types.ts';

/**
 * Sign-in risk from local signals: facts about this attempt and the user's / address's recent sign-ins in,
 * a level with its reasons out. Pure: the caller (src/auth/sign-in-risk.service.ts) reads the history from the
 * sign-in log. Reason types use Entra ID Protection's riskEventType names where one exists, so they read the
 * same in riskEventTypes_v2; `bruteForce` is Gatehouse's own (Entra has no sign-in detection for it).
 *
 * How signals combine (docs/security.md): each signal has a level; the sign-in's level is the highest of them,
 * raised one step (at most to high) when two or more different signals fire together. No signal: none.
 */

export type SignInRiskType = 'newCountry' | 'impossibleTravel' | 'passwordSpray' | 'bruteForce';

export interface SignInRiskReason {
  type: SignInRiskType;
  detail: string;
}

export interface SignInRiskAssessment {
  level: RiskLevel;
  reasons: SignInRiskReason[];
}

export interface SignInRiskInput {
  now: Date;
  /** Where this attempt comes from (GeoIP); null or partial when unknown (private address, no GeoIP entry). */
  location: { countryOrRegion: string | null; city?: string | null; latitude: number | null; longitude: number | null } | null;
  history: {
    userSuccessCount: number;
    userCountries: readonly string[];
    lastLocatedSuccess: { createdDateTime: Date; countryOrRegion: string | null; city?: string | null; latitude: number; longitude: number } | null;
    userFailures: number;
    addressFailures: number;
    addressDistinctAccounts: number;
  };
}

/** Travel faster than this between two sign-ins is impossible by airliner (cruise ~900 km/h). */
export const IMPOSSIBLE_TRAVEL_KMH = 1000;
/** Below this distance, GeoIP's imprecision (city centroids, mobile carriers) makes speed meaningless. */
export const IMPOSSIBLE_TRAVEL_MIN_KM = 100;
/** The window the failure counts cover; the gatherer passes it to the history query. */
export const FAILURE_WINDOW_MINUTES = 60;
/** How far back a user's successful sign-ins count as known countries and the last location. */
export const HISTORY_WINDOW_DAYS = 90;
/** Distinct accounts failed from one address in the window: from this many it is a spray (medium) ... */
export const PASSWORD_SPRAY_MIN_ACCOUNTS = 5;
/** ... and from this many a large one (high). */
export const PASSWORD_SPRAY_HIGH_ACCOUNTS = 20;
/** Failures against one account in the window: from this many (two lock-out windows' worth) brute force (medium) ... */
export const BRUTE_FORCE_MIN_FAILURES = 10;
/** ... and from this many high. */
export const BRUTE_FORCE_HIGH_FAILURES = 30;

/** Level of each signal when it fires (spray and brute force rise to high at their high thresholds). */
export const SIGNAL_LEVELS: Readonly<Record<SignInRiskType, Exclude<RiskLevel, 'none'>>> = {
  newCountry: 'low',
  impossibleTravel: 'medium',
  passwordSpray: 'medium',
  bruteForce: 'medium',
};

const ORDER: readonly RiskLevel[] = ['none', 'low', 'medium', 'high'];
const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km (haversine, mean Earth radius). */
export function haversineKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const place = (p: { city?: string | null; countryOrRegion: string | null }) =>
  [p.city, p.countryOrRegion].filter((part): part is string => Boolean(part)).join(', ') || 'an unknown place';

const km = (value: number) => `${Math.round(value).toLocaleString('en-US')} km`;

function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

type Signal = { reason: SignInRiskReason; level: Exclude<RiskLevel, 'none'> };

function newCountry(input: SignInRiskInput): Signal | undefined {
  const country = input.location?.countryOrRegion?.toUpperCase();
  const known = input.history.userCountries.map((c) => c.toUpperCase());
  // No history (or none with a known country): nothing to compare with, so nothing is "new".
  if (!country || input.history.userSuccessCount === 0 || known.length === 0 || known.includes(country)) return undefined;
  return {
    level: SIGNAL_LEVELS.newCountry,
    reason: { type: 'newCountry', detail: `First sign-in from ${country}; earlier successful sign-ins came from ${known.join(', ')}` },
  };
}

function impossibleTravel(input: SignInRiskInput): Signal | undefined {
  const here = input.location;
  const previous = input.history.lastLocatedSuccess;
  if (!previous || here?.latitude == null || here.longitude == null) return undefined;
  const distance = haversineKm(previous, { latitude: here.latitude, longitude: here.longitude });
  if (distance < IMPOSSIBLE_TRAVEL_MIN_KM) return undefined;
  const elapsedMs = input.now.getTime() - previous.createdDateTime.getTime();
  const hours = Math.max(elapsedMs, 0) / 3_600_000;
  const speed = hours === 0 ? Number.POSITIVE_INFINITY : distance / hours;
  if (speed <= IMPOSSIBLE_TRAVEL_KMH) return undefined;
  const shownSpeed = Number.isFinite(speed) ? `${km(speed)}/h` : 'at the same moment';
  return {
    level: SIGNAL_LEVELS.impossibleTravel,
    reason: {
      type: 'impossibleTravel',
      detail: `${km(distance)} from the previous sign-in (${place(previous)}) to ${place({ city: here.city ?? null, countryOrRegion: here.countryOrRegion })} in ${duration(elapsedMs)} (${shownSpeed}; more than ${IMPOSSIBLE_TRAVEL_KMH} km/h is impossible)`,
    },
  };
}

function passwordSpray(input: SignInRiskInput): Signal | undefined {
  const accounts = input.history.addressDistinctAccounts;
  if (accounts < PASSWORD_SPRAY_MIN_ACCOUNTS) return undefined;
  return {
    level: accounts >= PASSWORD_SPRAY_HIGH_ACCOUNTS ? 'high' : SIGNAL_LEVELS.passwordSpray,
    reason: {
      type: 'passwordSpray',
      detail: `${input.history.addressFailures} failed sign-ins against ${accounts} accounts from this address in the last ${FAILURE_WINDOW_MINUTES} min`,
    },
  };
}

function bruteForce(input: SignInRiskInput): Signal | undefined {
  const failures = input.history.userFailures;
  if (failures < BRUTE_FORCE_MIN_FAILURES) return undefined;
  return {
    level: failures >= BRUTE_FORCE_HIGH_FAILURES ? 'high' : SIGNAL_LEVELS.bruteForce,
    reason: { type: 'bruteForce', detail: `${failures} failed sign-ins against this account in the last ${FAILURE_WINDOW_MINUTES} min` },
  };
}

const SIGNALS = [newCountry, impossibleTravel, passwordSpray, bruteForce] as const;

/** Assess one sign-in attempt. */
export function assessSignInRisk(input: SignInRiskInput): SignInRiskAssessment {
  const fired = SIGNALS.map((signal) => signal(input)).filter((s): s is Signal => s !== undefined);
  if (fired.length === 0) return { level: 'none', reasons: [] };
  const highest = Math.max(...fired.map((s) => ORDER.indexOf(s.level)));
  const level = ORDER[Math.min(highest + (fired.length >= 2 ? 1 : 0), ORDER.length - 1)] as RiskLevel;
  return { level, reasons: fired.map((s) => s.reason) };
}
