import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The module file rather than policy/index.ts: these tests cover this pure module alone.
import {
  assessSignInRisk,
  BRUTE_FORCE_HIGH_FAILURES,
  BRUTE_FORCE_MIN_FAILURES,
  haversineKm,
  IMPOSSIBLE_TRAVEL_KMH,
  PASSWORD_SPRAY_HIGH_ACCOUNTS,
  PASSWORD_SPRAY_MIN_ACCOUNTS,
  type SignInRiskInput,
} from '#src/policy/sign-in-risk.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const MIN = 60_000;
const PARIS = { city: 'Paris', countryOrRegion: 'FR', latitude: 48.8566, longitude: 2.3522 };
const VERSAILLES = { city: 'Versailles', countryOrRegion: 'FR', latitude: 48.8049, longitude: 2.1204 };
const BERLIN = { city: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.405 };
const SYDNEY = { city: 'Sydney', countryOrRegion: 'AU', latitude: -33.8688, longitude: 151.2093 };
const LONDON = { city: 'London', countryOrRegion: 'GB', latitude: 51.5074, longitude: -0.1278 };

type History = SignInRiskInput['history'];
const EMPTY: History = { userSuccessCount: 0, userCountries: [], lastLocatedSuccess: null, userFailures: 0, addressFailures: 0, addressDistinctAccounts: 0 };

/** A user with sign-ins from France, the last one in Paris `minutesAgo` minutes ago. */
const parisHistory = (minutesAgo: number, extra: Partial<History> = {}): History => ({
  ...EMPTY,
  userSuccessCount: 12,
  userCountries: ['FR'],
  lastLocatedSuccess: { createdDateTime: new Date(NOW.getTime() - minutesAgo * MIN), ...PARIS },
  ...extra,
});

const input = (location: SignInRiskInput['location'], history: History): SignInRiskInput => ({ now: NOW, location, history });
const types = (i: SignInRiskInput) => assessSignInRisk(i).reasons.map((r) => r.type);

describe('sign-in risk: new country', () => {
  const cases: { name: string; input: SignInRiskInput; level: string; types: string[] }[] = [
    { name: 'a user with no history is never from a "new" country', input: input(SYDNEY, EMPTY), level: 'none', types: [] },
    { name: 'history without any known country gives nothing to compare with', input: input(BERLIN, { ...EMPTY, userSuccessCount: 3 }), level: 'none', types: [] },
    { name: 'a country seen before is not new', input: input(VERSAILLES, parisHistory(24 * 60)), level: 'none', types: [] },
    { name: 'country codes compare case-insensitively', input: input({ ...PARIS, countryOrRegion: 'fr' }, parisHistory(24 * 60)), level: 'none', types: [] },
    { name: 'an unknown current country (private address) is not new', input: input({ countryOrRegion: null, latitude: null, longitude: null }, parisHistory(60)), level: 'none', types: [] },
    { name: 'no location at all is not new', input: input(null, parisHistory(60)), level: 'none', types: [] },
    // A day later: far but possible, so new country alone.
    { name: 'the first sign-in from another country is low risk', input: input(BERLIN, parisHistory(24 * 60)), level: 'low', types: ['newCountry'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = assessSignInRisk(c.input);
      assert.equal(result.level, c.level);
      assert.deepEqual(result.reasons.map((r) => r.type), c.types);
    });
  }

  it('names the new country and the known ones', () => {
    const [reason] = assessSignInRisk(input(BERLIN, parisHistory(24 * 60, { userCountries: ['FR', 'NL'] }))).reasons;
    assert.equal(reason?.detail, 'First sign-in from DE; earlier successful sign-ins came from FR, NL');
  });
});

describe('sign-in risk: impossible travel', () => {
  const knownEverywhere = (minutesAgo: number) => parisHistory(minutesAgo, { userCountries: ['FR', 'DE', 'GB', 'AU'] });
  const parisToBerlin = haversineKm(PARIS, BERLIN);

  it('measures great-circle distances (Paris–London is about 344 km)', () => {
    assert.ok(Math.abs(haversineKm(PARIS, LONDON) - 344) < 2, String(haversineKm(PARIS, LONDON)));
    assert.equal(haversineKm(PARIS, PARIS), 0);
    assert.ok(Math.abs(haversineKm({ latitude: 0, longitude: 179.5 }, { latitude: 0, longitude: -179.5 }) - 111.2) < 0.5, 'across the antimeridian');
  });

  const cases: { name: string; input: SignInRiskInput; level: string }[] = [
    { name: 'Paris to Berlin in 30 minutes is impossible', input: input(BERLIN, knownEverywhere(30)), level: 'medium' },
    { name: 'Paris to Berlin in 2 hours is possible', input: input(BERLIN, knownEverywhere(120)), level: 'none' },
    { name: 'just above the speed limit is impossible', input: input(BERLIN, knownEverywhere((parisToBerlin / (IMPOSSIBLE_TRAVEL_KMH + 5)) * 60)), level: 'medium' },
    { name: 'just below the speed limit is possible', input: input(BERLIN, knownEverywhere((parisToBerlin / (IMPOSSIBLE_TRAVEL_KMH - 5)) * 60)), level: 'none' },
    { name: 'short distances are ignored however fast (GeoIP imprecision)', input: input(VERSAILLES, knownEverywhere(1)), level: 'none' },
    { name: 'no coordinates now: nothing to measure', input: input({ ...BERLIN, latitude: null, longitude: null }, knownEverywhere(5)), level: 'none' },
    { name: 'no earlier located sign-in: nothing to measure', input: input(BERLIN, { ...knownEverywhere(5), lastLocatedSuccess: null }), level: 'none' },
    { name: 'two far places at the same moment are impossible', input: input(SYDNEY, knownEverywhere(0)), level: 'medium' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = assessSignInRisk(c.input);
      assert.equal(result.level, c.level);
      assert.deepEqual(result.reasons.map((r) => r.type), c.level === 'none' ? [] : ['impossibleTravel']);
    });
  }

  it('says how far, from where, how fast', () => {
    const [reason] = assessSignInRisk(input(BERLIN, knownEverywhere(30))).reasons;
    assert.match(reason?.detail ?? '', /^877 km from the previous sign-in \(Paris, FR\) to Berlin, DE in 30 min \(1,755 km\/h; more than 1000 km\/h is impossible\)$/);
    const [same] = assessSignInRisk(input(SYDNEY, knownEverywhere(0))).reasons;
    assert.match(same?.detail ?? '', /in 0 min \(at the same moment;/);
  });
});

describe('sign-in risk: password spray and brute force', () => {
  const spray = (accounts: number) => input(null, { ...EMPTY, addressFailures: accounts * 2, addressDistinctAccounts: accounts });
  const brute = (failures: number) => input(null, { ...parisHistory(600), userFailures: failures });
  const cases: { name: string; input: SignInRiskInput; level: string; types: string[] }[] = [
    { name: 'failures against a few accounts from one address are not a spray', input: spray(PASSWORD_SPRAY_MIN_ACCOUNTS - 1), level: 'none', types: [] },
    { name: 'failures against many accounts from one address are a spray', input: spray(PASSWORD_SPRAY_MIN_ACCOUNTS), level: 'medium', types: ['passwordSpray'] },
    { name: 'a large spray is high risk', input: spray(PASSWORD_SPRAY_HIGH_ACCOUNTS), level: 'high', types: ['passwordSpray'] },
    { name: 'a spray counts for an unknown account too (no user history)', input: input(SYDNEY, { ...EMPTY, addressFailures: 9, addressDistinctAccounts: 9 }), level: 'medium', types: ['passwordSpray'] },
    { name: 'a few failures against one account are not brute force', input: brute(BRUTE_FORCE_MIN_FAILURES - 1), level: 'none', types: [] },
    { name: 'many failures against one account are brute force', input: brute(BRUTE_FORCE_MIN_FAILURES), level: 'medium', types: ['bruteForce'] },
    { name: 'very many failures against one account are high risk', input: brute(BRUTE_FORCE_HIGH_FAILURES), level: 'high', types: ['bruteForce'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = assessSignInRisk(c.input);
      assert.equal(result.level, c.level);
      assert.deepEqual(result.reasons.map((r) => r.type), c.types);
    });
  }

  it('says how many failures and accounts', () => {
    assert.equal(assessSignInRisk(spray(6)).reasons[0]?.detail, '12 failed sign-ins against 6 accounts from this address in the last 60 min');
    assert.equal(assessSignInRisk(brute(11)).reasons[0]?.detail, '11 failed sign-ins against this account in the last 60 min');
  });
});

describe('sign-in risk: combining signals', () => {
  const cases: { name: string; input: SignInRiskInput; level: string; types: string[] }[] = [
    {
      name: 'new country (low) with brute force (medium) raises to high',
      input: input(BERLIN, parisHistory(24 * 60, { userFailures: BRUTE_FORCE_MIN_FAILURES })),
      level: 'high',
      types: ['newCountry', 'bruteForce'],
    },
    {
      name: 'new country with impossible travel raises to high',
      input: input(SYDNEY, parisHistory(60)),
      level: 'high',
      types: ['newCountry', 'impossibleTravel'],
    },
    {
      name: 'new country with a small spray from the address: medium raised to high',
      input: input(BERLIN, parisHistory(24 * 60, { addressFailures: 5, addressDistinctAccounts: PASSWORD_SPRAY_MIN_ACCOUNTS })),
      level: 'high',
      types: ['newCountry', 'passwordSpray'],
    },
    {
      name: 'two high signals stay high (the scale ends there)',
      input: input(null, { ...parisHistory(60), userFailures: BRUTE_FORCE_HIGH_FAILURES, addressFailures: 40, addressDistinctAccounts: PASSWORD_SPRAY_HIGH_ACCOUNTS }),
      level: 'high',
      types: ['passwordSpray', 'bruteForce'],
    },
    { name: 'no signal at all is none with no reasons', input: input(VERSAILLES, parisHistory(24 * 60)), level: 'none', types: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(assessSignInRisk(c.input).level, c.level);
      assert.deepEqual(types(c.input), c.types);
    });
  }
});
