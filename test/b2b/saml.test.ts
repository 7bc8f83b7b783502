import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startPartnerSaml, type PartnerSaml } from '../helpers/partner-saml.ts';
import { Browser, jsonCall } from '../auth/browser.ts';

interface Json {
  [key: string]: unknown;
}

/** Redemption through a partner's SAML IdP (samlify on loopback); Gatehouse's side is @node-saml/node-saml. */
describe('redemption through a partner SAML IdP', () => {
  let gh: TestGatehouse;
  let idp: PartnerSaml;
  let admin = '';
  const accounts = [
    { email: 'ann@saml-vendor.test', password: 'saml password 1' },
    { email: 'bob@saml-vendor.test', password: 'saml password 2' },
  ];

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  /** Redeem link → SAML IdP login → the IdP's auto-post form, returned unsent so a test can alter or replay it. */
  async function signInAtIdp(browser: Browser, token: string, login: { username: string; password: string }): Promise<{ SAMLResponse: string; RelayState: string }> {
    const opened = await jsonCall(browser, 'POST', '/portal/api/redeem', { token });
    assert.equal(opened.body.method, 'saml', JSON.stringify(opened.body));
    const start = await browser.request('/portal/api/federation/start');
    assert.equal(start.status, 302);
    assert.ok(start.location?.startsWith(`${idp.ssoUrl}?SAMLRequest=`), start.location ?? '');
    const form = await browser.request(start.location as string);
    assert.equal(form.status, 200, form.text);
    const query = /name="query" value="([^"]*)"/.exec(form.text)?.[1]?.replace(/&#38;/g, '&') as string;
    const posted = await browser.request(`${idp.base}/sso`, { form: { query, ...login } });
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(posted.text)?.[1];
    const relay = /name="RelayState" value="([^"]*)"/.exec(posted.text)?.[1];
    assert.ok(samlResponse && relay !== undefined, posted.text.slice(0, 300));
    return { SAMLResponse: samlResponse, RelayState: relay };
  }
  /** The IdP's form POST arrives from another site: no Gatehouse cookie comes with it. */
  const postToAcs = (fields: Record<string, string>) =>
    fetch(`${gh.url}/portal/api/federation/saml/acs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields), redirect: 'manual' });
  /** The browser that posted the IdP's answer follows the ACS's redirect (the claim is in it). */
  const follow = async (browser: Browser, acs: Response) => {
    const location = acs.headers.get('location');
    if (location?.startsWith('/portal/api/')) await browser.request(location);
  };
  const invite = async (email: string) => {
    const res = await api('POST', '/v1.0/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: `${gh.url}/my-account` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { token: (res.body.inviteRedeemUrl as string).split('#rd=')[1] as string, userId: (res.body.invitedUser as Json).id as string };
  };

  before(async () => {
    gh = await startTestGatehouse();
    idp = await startPartnerSaml({ spEntityId: `${gh.url}/saml/sp`, acsUrl: `${gh.url}/portal/api/federation/saml/acs`, accounts });
    admin = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All', 'IdentityProvider.ReadWrite.All']);
  });
  after(async () => {
    await gh?.stop();
    await idp?.close();
  });

  it('refuses unusable metadata and adds the IdP from its metadata document', async () => {
    const junk = await api('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.samlOrWsFedExternalDomainFederation', displayName: 'Junk', metadataXml: '<not-metadata/>', domains: ['junk.test'] });
    assert.equal(junk.status, 400);
    assert.match((junk.body.error as Json).message as string, /entityID/);
    const created = await api('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.samlOrWsFedExternalDomainFederation', displayName: 'Vendor SAML', metadataXml: idp.metadata, domains: [{ id: 'saml-vendor.test' }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.issuerUri, idp.entityId);
    assert.equal(created.body.passiveSignInUri, idp.ssoUrl);
    assert.equal(created.body.signingCertificate, idp.certificate);
    const metadata = await fetch(`${gh.url}/saml/sp`);
    assert.match(await metadata.text(), /AssertionConsumerService[^>]+saml\/acs/);
  });

  it('redeems with a signed assertion: the guest is bound to the IdP entity id and NameID', async () => {
    const { token, userId } = await invite('ann@saml-vendor.test');
    const browser = new Browser(gh.url);
    const answer = await signInAtIdp(browser, token, { username: 'ann@saml-vendor.test', password: 'saml password 1' });
    const acs = await postToAcs(answer);
    assert.equal(acs.status, 303);
    const next = acs.headers.get('location') as string;
    assert.match(next, /^\/portal\/api\/federation\/saml\/continue\?claim=/);
    const continued = await browser.request(next);
    assert.equal(continued.status, 302);
    assert.equal(continued.location, '/redeem');
    const view = await jsonCall(browser, 'GET', '/portal/api/redeem');
    assert.equal(view.body.step, 'consent', JSON.stringify(view.body));
    assert.equal((await jsonCall(browser, 'POST', '/portal/api/redeem/consent', { accept: true })).status, 200);
    const user = (await api('GET', `/v1.0/users/${userId}`)).body;
    assert.equal(user.externalUserState, 'Accepted');
    assert.deepEqual(user.identities, [{ signInType: 'federated', issuer: idp.entityId, issuerAssignedId: 'ann@saml-vendor.test' }]);

    const replay = await postToAcs(answer);
    assert.equal(replay.status, 303, 'a replayed response finds no flow and changes nothing');
  });

  it('refuses an altered assertion and a response for another address', async () => {
    const { token, userId } = await invite('bob@saml-vendor.test');
    const browser = new Browser(gh.url);
    const answer = await signInAtIdp(browser, token, { username: 'bob@saml-vendor.test', password: 'saml password 2' });
    const xml = Buffer.from(answer.SAMLResponse, 'base64').toString('utf8');
    assert.ok(xml.includes('bob@saml-vendor.test'));
    const altered = Buffer.from(xml.replaceAll('bob@saml-vendor.test', 'ann@saml-vendor.test')).toString('base64');
    await follow(browser, await postToAcs({ ...answer, SAMLResponse: altered }));
    const view = await jsonCall(browser, 'GET', '/portal/api/redeem');
    assert.match(view.body.federationError as string, /was not accepted/, JSON.stringify(view.body));
    assert.equal((await api('GET', `/v1.0/users/${userId}`)).body.externalUserState, 'PendingAcceptance');

    // Ann at the IdP, for Bob's invitation: signed correctly, but not the invited address.
    const again = new Browser(gh.url);
    const annAnswer = await signInAtIdp(again, token, { username: 'ann@saml-vendor.test', password: 'saml password 1' });
    await follow(again, await postToAcs(annAnswer));
    assert.match((await jsonCall(again, 'GET', '/portal/api/redeem')).body.federationError as string, /but this invitation is for bob@saml-vendor\.test/);
  });

  it('does not let an answer delivered to one browser complete a flow held by another', async () => {
    const { token, userId } = await invite('cara@saml-vendor.test');
    accounts.push({ email: 'cara@saml-vendor.test', password: 'saml password 3' });
    try {
      // The attacker holds the redeem link, starts the flow, and has the invitee sign in at her own IdP.
      const attacker = new Browser(gh.url);
      const answer = await signInAtIdp(attacker, token, { username: 'cara@saml-vendor.test', password: 'saml password 3' });
      const acs = await postToAcs(answer); // posted by the invitee's browser, which has no flow cookie
      const claimUrl = acs.headers.get('location') as string;
      const victim = new Browser(gh.url);
      assert.equal((await victim.request(claimUrl)).status, 400, 'the browser of the invitee holds no flow');
      // The attacker knows the continue address but not the claim that went to the invitee's browser.
      const stolen = await attacker.request('/portal/api/federation/saml/continue');
      assert.equal(stolen.status, 302);
      const view = await jsonCall(attacker, 'GET', '/portal/api/redeem');
      assert.equal(view.body.step, 'verify');
      assert.match(view.body.federationError as string, /another browser/);
      assert.equal((await jsonCall(attacker, 'POST', '/portal/api/redeem/consent', { accept: true })).status, 400);
      assert.equal((await api('GET', `/v1.0/users/${userId}`)).body.externalUserState, 'PendingAcceptance');
    } finally {
      accounts.pop();
    }
  });
});
