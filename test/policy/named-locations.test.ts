import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cidrContains,
  formatAddress,
  matchNamedLocations,
  parseCidr,
  parseIpAddress,
  validateNamedLocation,
  type NamedLocation,
} from '#src/policy/index.ts';

const v4 = (cidrAddress: string) => ({ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress });
const v6 = (cidrAddress: string) => ({ '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress });
const ipBody = (ipRanges: unknown[], extra: Record<string, unknown> = {}) => ({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Office', isTrusted: true, ipRanges, ...extra });
const countryBody = (countriesAndRegions: unknown[], extra: Record<string, unknown> = {}) => ({ '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Blocked', countriesAndRegions, ...extra });

describe('IP address parsing', () => {
  const addresses: [string, string | null][] = [
    ['203.0.113.7', '203.0.113.7'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['256.1.1.1', null],
    ['01.2.3.4', null],
    ['1.2.3', null],
    ['1.2.3.4.5', null],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['fe80::1%eth0', null],
    ['12345::', null],
    ['1.2.3.4::', null],
    ['', null],
  ];
  for (const [text, expected] of addresses) {
    it(`${JSON.stringify(text)} -> ${expected ?? 'refused'}`, () => {
      const parsed = parseIpAddress(text);
      if (expected === null) assert.equal(parsed, null);
      else assert.equal(parsed && formatAddress(parsed.value, parsed.version), expected);
    });
  }

  it('agrees with node:net on which strings are addresses', () => {
    const hex = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    const candidates = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((parts) => parts.join('.')),
      fc.array(hex, { minLength: 1, maxLength: 9 }).map((groups) => groups.join(':')),
      fc.tuple(fc.array(hex, { maxLength: 4 }), fc.array(hex, { maxLength: 4 })).map(([a, b]) => `${a.join(':')}::${b.join(':')}`),
    );
    fc.assert(fc.property(candidates, (text) => (parseIpAddress(text) !== null) === (isIP(text) !== 0)));
  });

  /** The range as written, or the range it names when host bits are set (what BlockList matches). */
  const rangeOf = (text: string, version: 4 | 6) => {
    const parsed = parseCidr(text, version);
    if (parsed.ok) return parsed.cidr;
    const again = parseCidr(/the range is (\S+)$/.exec(parsed.problem)![1]!, version);
    assert.ok(again.ok);
    return again.cidr;
  };

  it('matches ranges exactly as node:net BlockList does, IPv4 and IPv6', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 8, max: 32 }), fc.ipV4(), (network, prefix, probe) => {
        const list = new BlockList();
        list.addSubnet(network, prefix, 'ipv4');
        return cidrContains(rangeOf(`${network}/${prefix}`, 4), parseIpAddress(probe)!) === list.check(probe, 'ipv4');
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 8, max: 128 }), fc.ipV6(), (network, prefix, probe) => {
        const list = new BlockList();
        list.addSubnet(network, prefix, 'ipv6');
        return cidrContains(rangeOf(`${network}/${prefix}`, 6), parseIpAddress(probe)!) === list.check(probe, 'ipv6');
      }),
    );
  });

  it('an IPv4 range matches the IPv4-mapped IPv6 form of an address', () => {
    const range = parseCidr('203.0.113.0/24', 4);
    assert.ok(range.ok);
    assert.equal(cidrContains(range.cidr, parseIpAddress('::ffff:203.0.113.9')!), true);
    assert.equal(cidrContains(range.cidr, parseIpAddress('::ffff:203.0.114.9')!), false);
  });
});

describe('validateNamedLocation', () => {
  it('accepts an IP location and canonicalises its ranges', () => {
    const result = validateNamedLocation(ipBody([v4('203.0.113.0/24'), v6('2001:DB8:0::/48'), { cidrAddress: '198.51.100.0/24' }]), null);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.value, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'Office',
      isTrusted: true,
      ipRanges: [v4('203.0.113.0/24'), v6('2001:db8::/48'), v4('198.51.100.0/24')],
    });
  });

  it('accepts a country location, upper-casing codes and defaulting the lookup method', () => {
    const result = validateNamedLocation(countryBody(['kp', 'IR']), null);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.value, { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Blocked', countriesAndRegions: ['KP', 'IR'], includeUnknownCountriesAndRegions: false, countryLookupMethod: 'clientIpAddress' });
  });

  // [name, body, the problem that must be reported]
  const bad: [string, unknown, RegExp][] = [
    ['no type', { displayName: 'x' }, /^@odata\.type: '' must be #microsoft\.graph\.ipNamedLocation or/],
    ['no name', ipBody([v4('203.0.113.0/24')], { displayName: '' }), /^displayName: required/],
    ['no ranges', ipBody([]), /^ipRanges: give at least one range/],
    ['an address without prefix', ipBody([v4('203.0.113.0')]), /^ipRanges\[0\]\.cidrAddress: '203\.0\.113\.0' is not a CIDR range: add the prefix length/],
    ['host bits set', ipBody([v4('203.0.113.7/24')]), /^ipRanges\[0\]\.cidrAddress: '203\.0\.113\.7\/24' has host bits set: the range is 203\.0\.113\.0\/24$/],
    ['an octet over 255', ipBody([v4('203.0.300.0/24')]), /^ipRanges\[0\]\.cidrAddress: '203\.0\.300\.0\/24' is not an IPv4 CIDR range$/],
    ['a prefix over 32', ipBody([v4('203.0.113.0/33')]), /^ipRanges\[0\]\.cidrAddress: '203\.0\.113\.0\/33' has an invalid prefix length \(0 to 32\)/],
    ['a range wider than /8', ipBody([v4('10.0.0.0/7')]), /^ipRanges\[0\]\.cidrAddress: '10\.0\.0\.0\/7' is wider than \/8/],
    ['an IPv6 range typed as IPv4', ipBody([v4('2001:db8::/32')]), /^ipRanges\[0\]\.cidrAddress: '2001:db8::\/32' is not an IPv4 CIDR range \(it is an IPv6 range: use #microsoft\.graph\.iPv6CidrRange\)/],
    ['an IPv4 range typed as IPv6', ipBody([v6('203.0.113.0/24')]), /^ipRanges\[0\]\.cidrAddress: '203\.0\.113\.0\/24' is not an IPv6 CIDR range \(it is an IPv4 range/],
    ['an IPv6 zone id', ipBody([v6('fe80::%eth0/64')]), /^ipRanges\[0\]\.cidrAddress: 'fe80::%eth0\/64' is not an IPv6 CIDR range/],
    ['two :: in an address', ipBody([v6('2001::db8::/48')]), /^ipRanges\[0\]\.cidrAddress: .* is not an IPv6 CIDR range/],
    ['an unknown range type', ipBody([{ '@odata.type': '#microsoft.graph.ipRange', cidrAddress: '203.0.113.0/24' }]), /^ipRanges\[0\]\.@odata\.type: '#microsoft\.graph\.ipRange' is not/],
    ['a duplicate range', ipBody([v4('203.0.113.0/24'), v4('203.0.113.0/24')]), /^ipRanges\[1\]\.cidrAddress: '203\.0\.113\.0\/24' is listed twice/],
    ['a non-boolean isTrusted', ipBody([v4('203.0.113.0/24')], { isTrusted: 'yes' }), /^isTrusted: must be true or false/],
    ['a country property on an IP location', ipBody([v4('203.0.113.0/24')], { countriesAndRegions: ['US'] }), /^countriesAndRegions: not a property of #microsoft\.graph\.ipNamedLocation/],
    ['an unknown country code', countryBody(['US', 'XX']), /^countriesAndRegions\[1\]: 'XX' is not an ISO 3166-1 alpha-2 country or region code/],
    ['an alpha-3 code', countryBody(['USA']), /^countriesAndRegions\[0\]: 'USA' is not an ISO 3166-1 alpha-2/],
    ['no countries and no unknown', countryBody([]), /^countriesAndRegions: give at least one country or region/],
    ['GPS lookup', countryBody(['US'], { countryLookupMethod: 'authenticatorAppGps' }), /^countryLookupMethod: 'authenticatorAppGps' is not supported/],
    ['a made-up lookup method', countryBody(['US'], { countryLookupMethod: 'dns' }), /^countryLookupMethod: 'dns' must be 'clientIpAddress'/],
  ];
  for (const [name, body, problem] of bad) {
    it(`refuses ${name}`, () => {
      const result = validateNamedLocation(body, null);
      assert.equal(result.ok, false);
      if (!result.ok) assert.ok(result.problems.some((p) => problem.test(p)), `${problem} not in ${JSON.stringify(result.problems)}`);
    });
  }

  it('merges a PATCH over the stored location and refuses changing its type', () => {
    const stored = validateNamedLocation(ipBody([v4('203.0.113.0/24')]), null);
    assert.ok(stored.ok);
    const renamed = validateNamedLocation({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'HQ' }, stored.value);
    assert.ok(renamed.ok);
    assert.equal(renamed.value.displayName, 'HQ');
    assert.deepEqual((renamed.value as { ipRanges: unknown }).ipRanges, [v4('203.0.113.0/24')]);
    const retyped = validateNamedLocation(countryBody(['US']), stored.value);
    assert.equal(retyped.ok, false);
    if (!retyped.ok) assert.match(retyped.problems[0]!, /cannot change from #microsoft\.graph\.ipNamedLocation to #microsoft\.graph\.countryNamedLocation/);
  });
});

describe('matchNamedLocations', () => {
  const stamp = { createdDateTime: '2026-01-01T00:00:00.000Z', modifiedDateTime: '2026-01-01T00:00:00.000Z' };
  const locations: NamedLocation[] = [
    { id: 'office', '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Office', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' }, { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8:1::/48' }], ...stamp },
    { id: 'vendor', '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Vendor NAT', isTrusted: false, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }], ...stamp },
    { id: 'blocked', '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Blocked', countriesAndRegions: ['KP', 'IR'], includeUnknownCountriesAndRegions: false, countryLookupMethod: 'clientIpAddress', ...stamp },
    { id: 'unknown', '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Unknown', countriesAndRegions: [], includeUnknownCountriesAndRegions: true, countryLookupMethod: 'clientIpAddress', ...stamp },
  ];
  const cases: [string, { ipAddress: string | null; countryOrRegion: string | null }, string[], boolean][] = [
    ['an office address is trusted', { ipAddress: '203.0.113.50', countryOrRegion: 'GB' }, ['office'], true],
    ['the mapped form of an office address too', { ipAddress: '::ffff:203.0.113.50', countryOrRegion: 'GB' }, ['office'], true],
    ['an office IPv6 address', { ipAddress: '2001:db8:1:ff::1', countryOrRegion: 'GB' }, ['office'], true],
    ['a vendor address is matched but not trusted', { ipAddress: '198.51.100.1', countryOrRegion: 'DE' }, ['vendor'], false],
    ['a blocked country', { ipAddress: '175.45.176.1', countryOrRegion: 'kp' }, ['blocked'], false],
    ['an unknown country matches only the location that includes unknown', { ipAddress: '10.0.0.1', countryOrRegion: null }, ['unknown'], false],
    ['no address at all', { ipAddress: null, countryOrRegion: null }, ['unknown'], false],
    ['nothing matches', { ipAddress: '192.0.2.1', countryOrRegion: 'US' }, [], false],
    ['garbage instead of an address matches no IP location', { ipAddress: 'not-an-ip', countryOrRegion: 'US' }, [], false],
  ];
  for (const [name, origin, ids, trusted] of cases) {
    it(name, () => {
      assert.deepEqual(matchNamedLocations(locations, origin), { matchedLocationIds: ids, isTrusted: trusted });
    });
  }
});
