import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { authError } from './auth.errors.ts';

/**
 * Addresses an administrator-supplied URL (an identity provider's issuer or metadata) must not point at unless the
 * deployment says its partners live on a private network: loopback, private, link-local (cloud metadata), CGNAT,
 * unspecified, unique-local and IPv4-mapped forms of them. Checked when a provider is saved; the fetches themselves
 * also refuse redirects, so a public URL cannot bounce to an internal one.
 */
const internal = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
  internal.addSubnet(`::ffff:${net}`, 96 + prefix, 'ipv6');
}
internal.addAddress('::', 'ipv6');
internal.addAddress('::1', 'ipv6');
internal.addSubnet('fc00::', 7, 'ipv6');
internal.addSubnet('fe80::', 10, 'ipv6');

export const isInternalAddress = (address: string): boolean => internal.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Refuse a URL whose host is, or resolves to, an internal address (unless `allowInternal`). */
export async function assertPublicUrl(property: string, url: string, allowInternal: boolean): Promise<void> {
  if (allowInternal) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw authError('INVALID_VALUE', `${property}: the host ${host} cannot be resolved`);
  }
  if (addresses.some(isInternalAddress)) {
    throw authError('INVALID_VALUE', `${property}: ${host} is an internal address; Gatehouse only reaches identity providers on public addresses unless identityProviderPrivateNetworks is set`);
  }
}
