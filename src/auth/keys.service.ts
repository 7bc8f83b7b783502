import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { sql } from 'kysely';
import { seal, unseal } from '#src/core/seal.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { KeyDeps } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import type { AuthDb } from './auth.tables.ts';

/**
 * Token signing keys. ES256 (P-256) signs access and ID tokens; EdDSA (Ed25519) is the second algorithm, published
 * for clients that ask for it. The private half is sealed with the master key (AES-256-GCM, bound to the kid);
 * the public JWK is stored in clear. Rotation adds a key that signs from then on; older keys stay published
 * (so tokens they signed still verify) until retired.
 */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface SigningKeySet {
  /** Private JWKs (with `d`), newest first per algorithm: the shape oidc-provider's `jwks` option takes. */
  privateJwks: { keys: JWK[] };
  /** Public JWKs of every key not retired: what the jwks endpoint publishes and access tokens verify against. */
  publicJwks: { keys: JWK[] };
}

export interface SigningKeyInfo {
  kid: string;
  alg: SigningAlgorithm;
  createdAt: Date;
  retiredAt: Date | null;
}

const LOCK = 'gatehouse:signing-keys';
const sealContext = (kid: string): string => `signing-key:${kid}`;
const system: Actor = { kind: 'system' };

function generate(alg: SigningAlgorithm): { privateJwk: JWK; publicJwk: JWK } {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return {
    privateJwk: pair.privateKey.export({ format: 'jwk' }) as JWK,
    publicJwk: pair.publicKey.export({ format: 'jwk' }) as JWK,
  };
}

async function insertKey(trx: AuthDb, deps: KeyDeps, alg: SigningAlgorithm, actor: Actor, reason: string): Promise<string> {
  const { privateJwk, publicJwk } = generate(alg);
  const kid = await calculateJwkThumbprint(publicJwk);
  await trx
    .insertInto('signing_key')
    .values({
      kid,
      use: 'sig',
      alg,
      public_jwk: { ...publicJwk, kid, alg, use: 'sig' },
      sealed_private_key: seal(deps.masterKey, JSON.stringify(privateJwk), sealContext(kid)),
      created_at: deps.clock.now(),
      retired_at: null,
    })
    .execute();
  await appendAudit(trx, deps.clock, {
    event: 'signingKey.created',
    actor,
    targets: [{ id: kid, type: 'SigningKey', displayName: alg }],
    details: { kid, alg, reason },
  });
  return kid;
}

/**
 * Make sure one active key exists per algorithm. Nodes starting together against one database create the keys
 * once: a transaction-scoped advisory lock serialises them, and the second finds the first one's keys.
 */
export async function ensureSigningKeys(deps: KeyDeps): Promise<SigningKeySet> {
  await inTransaction(deps.db as AuthDb, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${LOCK}))`.execute(trx);
    const active = await trx.selectFrom('signing_key').select('alg').where('retired_at', 'is', null).execute();
    const have = new Set(active.map((row) => row.alg));
    for (const alg of SIGNING_ALGORITHMS) {
      if (!have.has(alg)) await insertKey(trx, deps, alg, system, 'initial');
    }
  });
  return loadSigningKeys(deps);
}

/** Add a new key for `alg`; it signs from now on (on each node once it reloads keys), older ones stay published. */
export async function rotateSigningKey(deps: KeyDeps, actor: Actor, alg: SigningAlgorithm = 'ES256'): Promise<string> {
  return inTransaction(deps.db as AuthDb, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${LOCK}))`.execute(trx);
    return insertKey(trx, deps, alg, actor, 'rotation');
  });
}

/**
 * Stop publishing a key. Retire a key only after every token it signed has expired (the access-token lifetime
 * after the rotation that replaced it); the newest active key of an algorithm cannot be retired.
 */
export async function retireSigningKey(deps: KeyDeps, actor: Actor, kid: string): Promise<void> {
  await inTransaction(deps.db as AuthDb, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${LOCK}))`.execute(trx);
    const key = await trx.selectFrom('signing_key').selectAll().where('kid', '=', kid).where('retired_at', 'is', null).executeTakeFirst();
    if (!key) throw authError('SIGNING_KEY_NOT_FOUND', `No active signing key has kid '${kid}'`);
    const newest = await trx
      .selectFrom('signing_key')
      .select('kid')
      .where('alg', '=', key.alg)
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .executeTakeFirst();
    if (newest?.kid === kid) throw authError('SIGNING_KEY_IN_USE', `Key '${kid}' is the newest ${key.alg} key; rotate first, then retire it`);
    await trx.updateTable('signing_key').set({ retired_at: deps.clock.now() }).where('kid', '=', kid).execute();
    await appendAudit(trx, deps.clock, {
      event: 'signingKey.retired',
      actor,
      targets: [{ id: kid, type: 'SigningKey', displayName: key.alg }],
      details: { kid, alg: key.alg },
    });
  });
}

/** Metadata of every key (never key material), newest first. */
export async function listSigningKeys(db: AuthDb): Promise<SigningKeyInfo[]> {
  const rows = await db.selectFrom('signing_key').select(['kid', 'alg', 'created_at', 'retired_at']).orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
  return rows.map((row) => ({ kid: row.kid, alg: row.alg as SigningAlgorithm, createdAt: row.created_at, retiredAt: row.retired_at }));
}

const parseJwk = (value: unknown): JWK => (typeof value === 'string' ? (JSON.parse(value) as JWK) : (value as JWK));

/** The public JWKS of every active key, without touching the sealed private halves (for token verification). */
export async function loadPublicJwks(db: AuthDb): Promise<{ keys: JWK[] }> {
  const rows = await db
    .selectFrom('signing_key')
    .select('public_jwk')
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .execute();
  return { keys: rows.map((row) => parseJwk(row.public_jwk)) };
}

/** Active keys, unsealed, newest first: the provider signs with the first key of the algorithm it needs. */
export async function loadSigningKeys(deps: KeyDeps): Promise<SigningKeySet> {
  const rows = await (deps.db as AuthDb)
    .selectFrom('signing_key')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .execute();
  const privateKeys: JWK[] = [];
  const publicKeys: JWK[] = [];
  for (const row of rows) {
    const publicJwk = parseJwk(row.public_jwk);
    let sealed: Buffer;
    try {
      sealed = unseal(deps.masterKey, row.sealed_private_key, sealContext(row.kid));
    } catch {
      // Almost always a second node with its own master.key, or a restored database without its key file.
      throw new Error(
        `the master key cannot open signing key ${row.kid}: it is not the key this database was set up with. Every node must use the same master key (GATEHOUSE_MASTER_KEY, or a copy of the first node's master.key).`,
      );
    }
    const privateJwk = JSON.parse(sealed.toString('utf8')) as JWK;
    privateKeys.push({ ...privateJwk, kid: row.kid, alg: row.alg, use: 'sig' });
    publicKeys.push(publicJwk);
  }
  return { privateJwks: { keys: privateKeys }, publicJwks: { keys: publicKeys } };
}
