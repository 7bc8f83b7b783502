/**
 * Named locations of Conditional Access (Graph `ipNamedLocation` and `countryNamedLocation`): checking a body
 * before it is stored, and telling which locations a sign-in comes from. Pure: the caller looks up the country of
 * the address (GeoIP) and passes it in.
 */
import { cidrContains, parseCidr, parseIpAddress, type ParsedCidr } from './ip-address.ts';

export const IP_NAMED_LOCATION = '#microsoft.graph.ipNamedLocation';
export const COUNTRY_NAMED_LOCATION = '#microsoft.graph.countryNamedLocation';
export const IPV4_RANGE = '#microsoft.graph.iPv4CidrRange';
export const IPV6_RANGE = '#microsoft.graph.iPv6CidrRange';

/** Entra's limit of ranges per location. */
export const MAX_IP_RANGES = 2000;
/** Entra accepts no range wider than /8 (IPv4 and IPv6 alike). */
export const MIN_PREFIX = 8;

export interface IpRange {
  '@odata.type': typeof IPV4_RANGE | typeof IPV6_RANGE;
  cidrAddress: string;
}

interface NamedLocationBase {
  id: string;
  displayName: string;
  createdDateTime: string;
  modifiedDateTime: string;
}

export interface IpNamedLocation extends NamedLocationBase {
  '@odata.type': typeof IP_NAMED_LOCATION;
  isTrusted: boolean;
  ipRanges: IpRange[];
}

export interface CountryNamedLocation extends NamedLocationBase {
  '@odata.type': typeof COUNTRY_NAMED_LOCATION;
  /** ISO 3166-1 alpha-2 codes, upper case. */
  countriesAndRegions: string[];
  includeUnknownCountriesAndRegions: boolean;
  countryLookupMethod: 'clientIpAddress';
}

export type NamedLocation = IpNamedLocation | CountryNamedLocation;
/** What a client sends and what is stored: the location without its id and timestamps. */
export type NamedLocationInput =
  | Omit<IpNamedLocation, keyof NamedLocationBase | 'displayName'> & { displayName: string }
  | Omit<CountryNamedLocation, keyof NamedLocationBase | 'displayName'> & { displayName: string };

/**
 * ISO 3166-1 alpha-2 codes, plus XK (Kosovo), which GeoIP databases and Entra use although ISO has not assigned it.
 */
const COUNTRY_CODES = [
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ',
  'BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR',
  'CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR',
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU',
  'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ',
  'LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ',
  'MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF',
  'PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI',
  'SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR',
  'TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW',
].join(' ').split(' ');
export const COUNTRIES: ReadonlySet<string> = new Set(COUNTRY_CODES);

/** Whether a code is an ISO 3166-1 alpha-2 country or region (upper case, as Graph stores them). */
export const isCountryCode = (code: string): boolean => COUNTRIES.has(code);

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const READ_ONLY = new Set(['id', 'createdDateTime', 'modifiedDateTime', '@odata.context', '@odata.etag']);
const COMMON = new Set(['@odata.type', 'displayName']);
const IP_PROPERTIES = new Set([...COMMON, 'isTrusted', 'ipRanges']);
const COUNTRY_PROPERTIES = new Set([...COMMON, 'countriesAndRegions', 'includeUnknownCountriesAndRegions', 'countryLookupMethod']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function displayNameOf(value: unknown, problems: string[]): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    problems.push('displayName: required, 1 to 256 characters');
    return '';
  }
  return value.trim();
}

function ipRangesOf(value: unknown, problems: string[]): IpRange[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('ipRanges: give at least one range, e.g. [{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"203.0.113.0/24"}]');
    return [];
  }
  if (value.length > MAX_IP_RANGES) {
    problems.push(`ipRanges: at most ${MAX_IP_RANGES} ranges per location (${value.length} given)`);
    return [];
  }
  const ranges: IpRange[] = [];
  const seen = new Set<string>();
  value.forEach((item, index) => {
    const at = `ipRanges[${index}]`;
    if (!isObject(item) || typeof item.cidrAddress !== 'string') {
      problems.push(`${at}: expected {"@odata.type", "cidrAddress"}`);
      return;
    }
    const extra = Object.keys(item).find((key) => key !== '@odata.type' && key !== 'cidrAddress');
    if (extra !== undefined) problems.push(`${at}.${extra}: unknown property`);
    const type = item['@odata.type'];
    const text = item.cidrAddress.trim();
    let version: 4 | 6;
    if (type === IPV4_RANGE) version = 4;
    else if (type === IPV6_RANGE) version = 6;
    else if (type === undefined) version = text.includes(':') ? 6 : 4;
    else {
      problems.push(`${at}.@odata.type: '${String(type)}' is not ${IPV4_RANGE} or ${IPV6_RANGE}`);
      return;
    }
    const parsed = parseCidr(text, version);
    if (!parsed.ok) {
      problems.push(`${at}.cidrAddress: ${parsed.problem}`);
      return;
    }
    if (parsed.cidr.prefix < MIN_PREFIX) {
      problems.push(`${at}.cidrAddress: '${text}' is wider than /${MIN_PREFIX}; name a smaller range`);
      return;
    }
    if (seen.has(parsed.canonical)) {
      problems.push(`${at}.cidrAddress: '${text}' is listed twice`);
      return;
    }
    seen.add(parsed.canonical);
    ranges.push({ '@odata.type': version === 4 ? IPV4_RANGE : IPV6_RANGE, cidrAddress: parsed.canonical });
  });
  return ranges;
}

function countriesOf(value: unknown, includeUnknown: boolean, problems: string[]): string[] {
  if (!Array.isArray(value)) {
    problems.push('countriesAndRegions: a list of ISO 3166-1 alpha-2 codes, e.g. ["KP","IR"]');
    return [];
  }
  if (value.length === 0 && !includeUnknown) {
    problems.push('countriesAndRegions: give at least one country or region (or set includeUnknownCountriesAndRegions)');
    return [];
  }
  const codes: string[] = [];
  value.forEach((item, index) => {
    const code = typeof item === 'string' ? item.trim().toUpperCase() : '';
    if (!isCountryCode(code)) problems.push(`countriesAndRegions[${index}]: '${String(item)}' is not an ISO 3166-1 alpha-2 country or region code`);
    else if (codes.includes(code)) problems.push(`countriesAndRegions[${index}]: '${code}' is listed twice`);
    else codes.push(code);
  });
  return codes;
}

/**
 * Check a named location for create (`before` null) or update (`before` the stored location; the body is merged
 * over it, as Graph's PATCH does). Read-only properties (id, timestamps) are ignored; every other problem is
 * reported with the property it concerns.
 */
export function validateNamedLocation(body: unknown, before: NamedLocationInput | null): ValidationResult<NamedLocationInput> {
  if (!isObject(body)) return { ok: false, problems: ['the body must be a JSON object'] };
  const problems: string[] = [];
  const type = body['@odata.type'] ?? before?.['@odata.type'];
  if (type !== IP_NAMED_LOCATION && type !== COUNTRY_NAMED_LOCATION) {
    return { ok: false, problems: [`@odata.type: '${String(type ?? '')}' must be ${IP_NAMED_LOCATION} or ${COUNTRY_NAMED_LOCATION}`] };
  }
  if (before && type !== before['@odata.type']) {
    return { ok: false, problems: [`@odata.type: a location cannot change from ${before['@odata.type']} to ${type}; delete it and create a new one`] };
  }
  const allowed = type === IP_NAMED_LOCATION ? IP_PROPERTIES : COUNTRY_PROPERTIES;
  for (const key of Object.keys(body)) {
    if (!allowed.has(key) && !READ_ONLY.has(key)) problems.push(`${key}: not a property of ${type}`);
  }
  const merged: Record<string, unknown> = { ...(before ?? {}), ...body };
  const displayName = displayNameOf(merged.displayName, problems);
  if (type === IP_NAMED_LOCATION) {
    const isTrusted = merged.isTrusted ?? false;
    if (typeof isTrusted !== 'boolean') problems.push('isTrusted: must be true or false');
    const ipRanges = ipRangesOf(merged.ipRanges, problems);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, value: { '@odata.type': IP_NAMED_LOCATION, displayName, isTrusted: isTrusted as boolean, ipRanges } };
  }
  const includeUnknown = merged.includeUnknownCountriesAndRegions ?? false;
  if (typeof includeUnknown !== 'boolean') problems.push('includeUnknownCountriesAndRegions: must be true or false');
  const lookup = merged.countryLookupMethod ?? 'clientIpAddress';
  if (lookup === 'authenticatorAppGps') problems.push("countryLookupMethod: 'authenticatorAppGps' is not supported (Gatehouse has no authenticator app GPS); use 'clientIpAddress'");
  else if (lookup !== 'clientIpAddress') problems.push(`countryLookupMethod: '${String(lookup)}' must be 'clientIpAddress'`);
  const countriesAndRegions = countriesOf(merged.countriesAndRegions, includeUnknown === true, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { '@odata.type': COUNTRY_NAMED_LOCATION, displayName, countriesAndRegions, includeUnknownCountriesAndRegions: includeUnknown as boolean, countryLookupMethod: 'clientIpAddress' },
  };
}

/** Where a sign-in comes from: its address and the country GeoIP (or a what-if) gave for it; null when unknown. */
export interface SignInOrigin {
  ipAddress: string | null;
  countryOrRegion: string | null;
}

export interface LocationMatch {
  matchedLocationIds: string[];
  /** True when the address lies in a trusted IP location. */
  isTrusted: boolean;
}

interface CompiledLocation {
  id: string;
  trusted: boolean;
  ranges: ParsedCidr[] | null;
  countries: ReadonlySet<string> | null;
  includeUnknown: boolean;
}

/** Named locations prepared for matching many sign-ins (ranges parsed once). */
export interface CompiledNamedLocations {
  readonly locations: readonly CompiledLocation[];
}

/** Parse the ranges of stored locations once; a stored range that no longer parses is skipped, never matched. */
export function compileNamedLocations(locations: readonly NamedLocation[]): CompiledNamedLocations {
  return {
    locations: locations.map((location): CompiledLocation => {
      if (location['@odata.type'] === IP_NAMED_LOCATION) {
        const ranges = location.ipRanges.flatMap((range) => {
          const parsed = parseCidr(range.cidrAddress, range['@odata.type'] === IPV6_RANGE ? 6 : 4);
          return parsed.ok ? [parsed.cidr] : [];
        });
        return { id: location.id, trusted: location.isTrusted, ranges, countries: null, includeUnknown: false };
      }
      return { id: location.id, trusted: false, ranges: null, countries: new Set(location.countriesAndRegions), includeUnknown: location.includeUnknownCountriesAndRegions };
    }),
  };
}

/**
 * The named locations a sign-in comes from. An IP location matches when the address lies in one of its ranges; a
 * country location when the country is listed, or when the country is unknown (no address, a private address,
 * no GeoIP answer) and the location includes unknown countries and regions.
 */
export function matchNamedLocations(locations: readonly NamedLocation[] | CompiledNamedLocations, origin: SignInOrigin): LocationMatch {
  const compiled = Array.isArray(locations) ? compileNamedLocations(locations as readonly NamedLocation[]) : (locations as CompiledNamedLocations);
  const address = origin.ipAddress ? parseIpAddress(origin.ipAddress) : null;
  const country = origin.countryOrRegion ? origin.countryOrRegion.toUpperCase() : null;
  const matchedLocationIds: string[] = [];
  let isTrusted = false;
  for (const location of compiled.locations) {
    let hit: boolean;
    if (location.ranges) hit = address !== null && location.ranges.some((range) => cidrContains(range, address));
    else hit = country === null ? location.includeUnknown : (location.countries as ReadonlySet<string>).has(country);
    if (!hit) continue;
    matchedLocationIds.push(location.id);
    if (location.trusted) isTrusted = true;
  }
  return { matchedLocationIds, isTrusted };
}
