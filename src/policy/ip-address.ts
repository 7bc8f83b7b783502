/**
 * IP addresses and CIDR ranges, parsed by hand because this module is pure (no `node:net`). Every address lives in
 * one 128-bit space: an IPv4 address is its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so an IPv4 range also matches
 * a client that arrives as ::ffff:a.b.c.d on a dual-stack socket, and an IPv6 range written over the mapped space
 * matches plain IPv4 clients.
 */

export interface ParsedAddress {
  version: 4 | 6;
  /** The address in the 128-bit space (IPv4 mapped to ::ffff:0:0/96). */
  value: bigint;
}

export interface ParsedCidr {
  version: 4 | 6;
  /** The network address in the 128-bit space. */
  network: bigint;
  /** The prefix length in the 128-bit space (an IPv4 /24 is 120). */
  bits: number;
  /** The prefix length as written (IPv4 /24 is 24). */
  prefix: number;
}

const V4_MAPPED = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;
const OCTET = /^(0|[1-9]\d{0,2})$/;
const GROUP = /^[0-9a-f]{1,4}$/;

/** A dotted-quad IPv4 address as a 32-bit number; leading zeros are refused (0127.0.0.1 is ambiguous). */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** An IPv6 address in any RFC 4291 text form (`::` once, an embedded IPv4 tail); zone ids are refused. */
export function parseIPv6(text: string): bigint | null {
  const lower = text.toLowerCase();
  if (lower.length > 45 || lower.includes('%') || !/^[0-9a-f:.]+$/.test(lower)) return null;
  const halves = lower.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const pieces = part.split(':');
    const groups: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === null) return null;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!GROUP.test(piece)) return null;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  // An IPv4 tail is only allowed at the very end of the address.
  if (halves.length === 2 && (halves[0] as string).includes('.')) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Any IPv4 or IPv6 address; an IPv4-mapped IPv6 address counts as IPv4. */
export function parseIpAddress(text: string): ParsedAddress | null {
  const trimmed = text.trim();
  const v4 = parseIPv4(trimmed);
  if (v4 !== null) return { version: 4, value: V4_MAPPED | BigInt(v4) };
  const v6 = parseIPv6(trimmed);
  if (v6 === null) return null;
  return { version: v6 >> 32n === 0xffffn ? 4 : 6, value: v6 };
}

const maskOf = (bits: number): bigint => (bits === 0 ? 0n : (ALL_ONES << BigInt(128 - bits)) & ALL_ONES);

/** The canonical text of an address in the 128-bit space (IPv4 as a dotted quad, IPv6 compressed per RFC 5952). */
export function formatAddress(value: bigint, version: 4 | 6): string {
  if (version === 4) {
    const v4 = Number(value & 0xffffffffn);
    return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export type CidrResult = { ok: true; cidr: ParsedCidr; canonical: string } | { ok: false; problem: string };

/**
 * A CIDR range of the given IP version, strictly: a prefix length is required, and the address must be the
 * network address (203.0.113.7/24 is refused with the range it probably means).
 */
export function parseCidr(text: string, version: 4 | 6): CidrResult {
  const slash = text.indexOf('/');
  const example = version === 4 ? '203.0.113.0/24' : '2001:db8::/48';
  if (slash < 0) return { ok: false, problem: `'${text}' is not a CIDR range: add the prefix length, e.g. ${example}` };
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const max = version === 4 ? 32 : 128;
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > max) {
    return { ok: false, problem: `'${text}' has an invalid prefix length (0 to ${max})` };
  }
  const prefix = Number(prefixText);
  let value: bigint;
  if (version === 4) {
    const v4 = parseIPv4(addressText);
    if (v4 === null) {
      const other = parseIPv6(addressText) !== null ? ' (it is an IPv6 range: use #microsoft.graph.iPv6CidrRange)' : '';
      return { ok: false, problem: `'${text}' is not an IPv4 CIDR range${other}` };
    }
    value = V4_MAPPED | BigInt(v4);
  } else {
    const v6 = parseIPv6(addressText);
    if (v6 === null) {
      const other = parseIPv4(addressText) !== null ? ' (it is an IPv4 range: use #microsoft.graph.iPv4CidrRange)' : '';
      return { ok: false, problem: `'${text}' is not an IPv6 CIDR range${other}` };
    }
    value = v6;
  }
  const bits = version === 4 ? 96 + prefix : prefix;
  const mask = maskOf(bits);
  const network = value & mask;
  const canonical = `${formatAddress(network, version)}/${prefix}`;
  if (network !== value) return { ok: false, problem: `'${text}' has host bits set: the range is ${canonical}` };
  return { ok: true, cidr: { version, network, bits, prefix }, canonical };
}

/** Whether an address lies in a range (both in the 128-bit space). */
export function cidrContains(cidr: ParsedCidr, address: ParsedAddress): boolean {
  return (address.value & maskOf(cidr.bits)) === cidr.network;
}
