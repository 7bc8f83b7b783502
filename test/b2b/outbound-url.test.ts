import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInternalAddress } from '#src/auth/outbound-url.ts';

describe('internal addresses an identity provider URL may not point at', () => {
  const internal = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254'];
  const external = ['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'];
  for (const address of internal) it(`refuses ${address}`, () => assert.equal(isInternalAddress(address), true));
  for (const address of external) it(`allows ${address}`, () => assert.equal(isInternalAddress(address), false));
});
