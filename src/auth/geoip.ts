import { BlockList, isIP } from 'node:net';
import { createRequire } from 'node:module';

/**
 * Country and city of a public IP address from the offline GeoIP database shipped inside the `geoip-lite` npm
 * package (no download at run time, no outside service told who signs in). The database is loaded on the first
 * lookup, not at start-up: it takes about 150 MB of memory and a few hundred milliseconds, and a node that never
 * evaluates a location never pays for it.
 */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2, upper case. */
  countryOrRegion: string;
  city: string | null;
  /** ISO 3166-2 subdivision (state or region) code, when the database has one. */
  state: string | null;
  latitude: number | null;
  longitude: number | null;
}

interface GeoipLite {
  lookup(ip: string): { country: string; region: string; city: string; ll: [number, number] | null } | null;
}

let database: GeoipLite | undefined;

function geoip(): GeoipLite {
  // Synchronous on purpose: the first lookup waits for the load once, and every later one is a plain function call.
  database ??= createRequire(import.meta.url)('geoip-lite') as GeoipLite;
  return database;
}

/** Addresses that never have a country: private, loopback, link-local, carrier-grade NAT, documentation, multicast. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 127], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b:1::', 48]] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** An IPv4-mapped IPv6 address (::ffff:192.0.2.1) as its IPv4 form; anything else unchanged. */
function unmapped(ip: string): string {
  const match = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return match ? (match[1] as string) : ip;
}

/** Whether an address is public (could have a country); false for anything that is not an IP address. */
export function isPublicIp(ip: string): boolean {
  const address = unmapped(ip.trim());
  const version = isIP(address);
  if (version === 0) return false;
  return !NOT_PUBLIC.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** Where a public address is, or null for private, loopback and unknown addresses (and anything not an address). */
export function lookupIp(ip: string | null | undefined): GeoLocation | null {
  if (!ip || !isPublicIp(ip)) return null;
  const found = geoip().lookup(unmapped(ip.trim()));
  if (!found || !/^[A-Z]{2}$/.test(found.country)) return null;
  const [latitude, longitude] = found.ll ?? [null, null];
  return {
    countryOrRegion: found.country,
    city: found.city || null,
    state: found.region || null,
    latitude: typeof latitude === 'number' ? latitude : null,
    longitude: typeof longitude === 'number' ? longitude : null,
  };
}
