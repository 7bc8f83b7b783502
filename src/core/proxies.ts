import { BlockList, isIP } from 'node:net';

/**
 * Which reverse proxies may say who the client is. `hops` proxies stand in front of Gatehouse; X-Forwarded-For is
 * read only through peers listed in `networks` (comma-separated addresses or CIDR ranges), so a client that reaches
 * Gatehouse directly cannot name its own address — Fastify's proxy-addr walks the chain from the socket outwards and
 * stops at the first hop this function does not trust.
 */
export interface ProxyTrust {
  /** proxy-addr's trust function: the `hop`-th address from the socket (0 = the socket peer) is a trusted proxy. */
  trusts(address: string, hop: number): boolean;
  /** Whether a socket peer is a trusted proxy (its X-Forwarded-For may be read). */
  trustsPeer(address: string | undefined): boolean;
}

/** Parse the networks; throws with the offending entry named when one is not an address or CIDR range. */
export function parseProxyNetworks(networks: string): BlockList {
  const list = new BlockList();
  for (const raw of networks.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [address, prefix, extra] = entry.split('/');
    const version = isIP(address ?? '');
    const bits = prefix === undefined ? (version === 6 ? 128 : 32) : Number(prefix);
    if (version === 0 || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > (version === 6 ? 128 : 32) || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
      throw new Error(`"${entry}" is not an IP address or CIDR range`);
    }
    list.addSubnet(address as string, bits, version === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const unmapped = (address: string): string => /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1] ?? address;

export function proxyTrust(hops: number, networks: string): ProxyTrust {
  const list = parseProxyNetworks(networks);
  const listed = (address: string | undefined): boolean => {
    if (!address) return false;
    const plain = unmapped(address);
    const version = isIP(plain);
    return version !== 0 && list.check(plain, version === 6 ? 'ipv6' : 'ipv4');
  };
  return {
    trusts: (address, hop) => hop < hops && listed(address),
    trustsPeer: (address) => hops > 0 && listed(address),
  };
}
