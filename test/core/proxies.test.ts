import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { parseProxyNetworks, proxyTrust } from '#src/core/proxies.ts';

describe('trusted reverse proxies', () => {
  it('parses addresses and CIDR ranges, and names a bad entry', () => {
    const list = parseProxyNetworks(' 10.0.0.0/8, 192.0.2.7 ,::1/128,2001:db8::/32');
    assert.equal(list.check('10.200.1.1', 'ipv4'), true);
    assert.equal(list.check('192.0.2.7', 'ipv4'), true);
    assert.equal(list.check('192.0.2.8', 'ipv4'), false);
    assert.equal(list.check('2001:db8::5', 'ipv6'), true);
    for (const bad of ['10.0.0.0/33', 'not-an-ip', '10.0.0.0/8/1', '::1/129', '10.0.0.0/-1', '10.0.0.0/ 8']) {
      assert.throws(() => parseProxyNetworks(bad), new RegExp(`"${bad.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')}" is not an IP address or CIDR range`));
    }
  });

  it('reads X-Forwarded-For only through the listed proxies, hop by hop (checked through Fastify itself)', async () => {
    const ipSeen = async (hops: number, networks: string, forwarded: string, remoteAddress = '127.0.0.1') => {
      const app = Fastify({ trustProxy: proxyTrust(hops, networks).trusts });
      app.get('/', async (request) => ({ ip: request.ip }));
      const response = await app.inject({ url: '/', headers: { 'x-forwarded-for': forwarded }, remoteAddress });
      await app.close();
      return (response.json() as { ip: string }).ip;
    };
    // The loopback proxy names the client.
    assert.equal(await ipSeen(1, '127.0.0.0/8', '81.2.69.142'), '81.2.69.142');
    // A client connecting directly (not a listed proxy) cannot name itself.
    assert.equal(await ipSeen(1, '127.0.0.0/8', '81.2.69.142', '198.51.100.9'), '198.51.100.9');
    // One hop trusted: what the client put further left is ignored.
    assert.equal(await ipSeen(1, '127.0.0.0/8', '10.9.9.9, 81.2.69.142'), '81.2.69.142');
    // Two hops, both must be listed proxies.
    assert.equal(await ipSeen(2, '127.0.0.0/8,10.0.0.0/8', '81.2.69.142, 10.1.1.1'), '81.2.69.142');
    assert.equal(await ipSeen(2, '127.0.0.0/8', '81.2.69.142, 203.0.113.5'), '203.0.113.5');
    assert.equal(proxyTrust(0, '127.0.0.0/8').trustsPeer('127.0.0.1'), false);
    assert.equal(proxyTrust(1, '127.0.0.0/8').trustsPeer('::ffff:127.0.0.1'), true);
  });
});
