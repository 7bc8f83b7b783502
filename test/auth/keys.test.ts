import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { unseal } from '#src/core/seal.ts';
import { ensureSigningKeys, listSigningKeys, loadSigningKeys, rotateSigningKey } from '#src/auth/index.ts';
import { describeEachBackend } from '../helpers/database.ts';
import { admin } from './fixtures.ts';

describeEachBackend('signing keys', (ctx) => {
  const masterKey = randomBytes(32);
  const clock = manualClock(new Date('2026-03-01T00:00:00Z'));

  it('nodes starting together create one key per algorithm, once, and audit each', async () => {
    await Promise.all(Array.from({ length: 4 }, () => ensureSigningKeys({ db: ctx.db, clock, masterKey })));
    await ensureSigningKeys({ db: ctx.db, clock, masterKey });
    const keys = await listSigningKeys(ctx.db);
    assert.deepEqual(keys.map((k) => k.alg).sort(), ['ES256', 'EdDSA']);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = 'GH1002I'`.execute(ctx.db);
    assert.equal(rows[0]?.n, 2);
  });

  it('stores the private key sealed with the master key (bound to its kid), the public key in clear', async () => {
    const rows = await ctx.db.selectFrom('signing_key').select(['kid', 'public_jwk', 'sealed_private_key']).execute();
    const { privateJwks } = await loadSigningKeys({ db: ctx.db, clock, masterKey });
    for (const row of rows) {
      const jwk = privateJwks.keys.find((k) => k.kid === row.kid);
      assert.ok(jwk?.d);
      assert.ok(!row.sealed_private_key.includes(jwk.d as string));
      assert.equal((row.public_jwk as { d?: string }).d, undefined);
      assert.throws(() => unseal(randomBytes(32), row.sealed_private_key, `signing-key:${row.kid}`));
      assert.throws(() => unseal(masterKey, row.sealed_private_key, 'signing-key:another-kid'));
    }
  });

  it('a rotated key comes first (signs); the old one stays loaded and published', async () => {
    clock.advance(60_000);
    const kid = await rotateSigningKey({ db: ctx.db, clock, masterKey }, admin);
    const { privateJwks, publicJwks } = await loadSigningKeys({ db: ctx.db, clock, masterKey });
    assert.equal(privateJwks.keys.find((k) => k.alg === 'ES256')?.kid, kid);
    assert.equal(publicJwks.keys.filter((k) => k.alg === 'ES256').length, 2);
    for (const key of publicJwks.keys) assert.equal(key.d, undefined);
  });
});
