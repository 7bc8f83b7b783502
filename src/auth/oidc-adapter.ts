import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { sha256Hex } from '#src/core/crypto.ts';
import { seal, unseal } from '#src/core/seal.ts';
import type { AuthDb } from './auth.tables.ts';

/**
 * oidc-provider's storage on PostgreSQL (`oidc_payloads`), shared by every node: sessions, interactions, grants,
 * authorization and device codes, refresh tokens, replay detection of client assertions. JWT access tokens are
 * not stored (the provider does not hand them to the adapter).
 *
 * Many ids are bearer secrets (refresh tokens, device codes, the provider's session cookie), so nothing usable is
 * stored: the `id` column holds the SHA-256 of the id, and the id inside the payload (`jti`) is sealed with the
 * master key. A copy of the database therefore yields no token.
 *
 * Expiry is computed with the wall clock rather than the injected Clock: oidc-provider itself runs on Date.now(),
 * and the adapter must agree with it.
 */
export class PostgresAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly db: AuthDb,
    private readonly masterKey: Buffer,
  ) {}

  private get sealContext(): string {
    return `oidc-payload:${this.model}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const { jti, ...rest } = payload;
    const stored = typeof jti === 'string' ? { ...rest, sealedJti: seal(this.masterKey, jti, this.sealContext) } : rest;
    const row = {
      model: this.model,
      id: sha256Hex(id),
      payload: stored,
      grant_id: typeof payload.grantId === 'string' ? payload.grantId : null,
      user_code: typeof payload.userCode === 'string' ? payload.userCode : null,
      uid: typeof payload.uid === 'string' ? payload.uid : null,
      expires_at: typeof expiresIn === 'number' && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
    };
    await this.db
      .insertInto('oidc_payloads')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['model', 'id']).doUpdateSet({
          payload: row.payload,
          grant_id: row.grant_id,
          user_code: row.user_code,
          uid: row.uid,
          expires_at: row.expires_at,
        }),
      )
      .execute();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return typeof id === 'string' && id !== '' ? this.findBy('id', sha256Hex(id)) : Promise.resolve(undefined);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findBy('user_code', userCode);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy('uid', uid);
  }

  async consume(id: string): Promise<void> {
    await this.db.updateTable('oidc_payloads').set({ consumed_at: new Date() }).where('model', '=', this.model).where('id', '=', sha256Hex(id)).execute();
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('model', '=', this.model).where('id', '=', sha256Hex(id)).execute();
  }

  /** Every token tied to the grant goes (codes, refresh tokens), whichever model's adapter is asked. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
  }

  private async findBy(column: 'id' | 'user_code' | 'uid', value: string): Promise<AdapterPayload | undefined> {
    if (typeof value !== 'string' || value === '') return undefined;
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .executeTakeFirst();
    if (!row) return undefined;
    const { sealedJti, ...payload } = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as AdapterPayload & { sealedJti?: string };
    if (typeof sealedJti === 'string') payload.jti = unseal(this.masterKey, sealedJti, this.sealContext).toString('utf8');
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }
}

/** Delete provider state that expired more than an hour ago (the provider ignores it already). Idempotent. */
export async function sweepOidcPayloads(db: AuthDb, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payloads')
    .where('expires_at', '<', sql<Date>`${now}::timestamptz - interval '1 hour'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
