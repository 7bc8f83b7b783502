import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Profile } from '@node-saml/node-saml';
import { mapClaims, samlIdentity } from '#src/auth/index.ts';

const mapping = { userId: 'sub', email: 'email', displayName: 'name', groups: 'groups', amr: 'amr' };

describe("a partner's device compliance claim", () => {
  it('is read from OIDC device_compliant (or the mapped claim), true only when it says so', () => {
    const base = { iss: 'https://idp.fabrikam.test', sub: 's1' };
    assert.equal(mapClaims({ ...base, device_compliant: true }, mapping).deviceCompliant, true);
    assert.equal(mapClaims({ ...base, device_compliant: 'true' }, mapping).deviceCompliant, true);
    assert.equal(mapClaims({ ...base, device_compliant: 'yes' }, mapping).deviceCompliant, false);
    assert.equal(mapClaims(base, mapping).deviceCompliant, false);
    assert.equal(mapClaims({ ...base, managed: true }, { ...mapping, deviceCompliant: 'managed' }).deviceCompliant, true);
    assert.equal(mapClaims({ ...base, device_compliant: true }, { ...mapping, deviceCompliant: 'managed' }).deviceCompliant, false);
  });

  it("is read from SAML's device context iscompliant attribute", () => {
    const profile = { issuer: 'https://idp.fabrikam.test', nameID: 'n1', nameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' } as Profile;
    const claim = 'http://schemas.microsoft.com/ws/2012/01/devicecontext/claims/iscompliant';
    assert.equal(samlIdentity({ ...profile, [claim]: 'True' } as Profile).deviceCompliant, true);
    assert.equal(samlIdentity({ ...profile, [claim]: 'false' } as Profile).deviceCompliant, false);
    assert.equal(samlIdentity(profile).deviceCompliant, false);
  });
});
