import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '#src/store/index.ts';
import { CLIENT_CACHE_MS, cachedClient, forgettingClients } from '#src/directory/client-cache.ts';

/** Pure cache behaviour (a database handle is only the cache's key here); the token endpoint's tests cover its use. */
describe('client record cache', () => {
  const db = {} as Db;
  let reads = 0;
  const load = (value: string | undefined) => async () => {
    reads++;
    return value;
  };

  it('serves a found client from memory within the window, reads again after it', async () => {
    reads = 0;
    assert.equal(await cachedClient(db, 'app-a', load('record 1')), 'record 1');
    assert.equal(await cachedClient(db, 'app-a', load('record 2')), 'record 1');
    assert.equal(reads, 1);
    await new Promise((resolve) => setTimeout(resolve, CLIENT_CACHE_MS + 50));
    assert.equal(await cachedClient(db, 'app-a', load('record 3')), 'record 3');
    assert.equal(reads, 2);
  });

  it('forgets everything when a client-changing write finishes, even a failed one', async () => {
    reads = 0;
    await cachedClient(db, 'app-b', load('before'));
    await forgettingClients(async () => 'changed')();
    assert.equal(await cachedClient(db, 'app-b', load('after')), 'after');
    await assert.rejects(forgettingClients(async () => Promise.reject(new Error('refused')))(), /refused/);
    assert.equal(await cachedClient(db, 'app-b', load('after the failure')), 'after the failure');
    assert.equal(reads, 3);
  });

  it('never keeps a miss or a failed read', async () => {
    reads = 0;
    assert.equal(await cachedClient(db, 'app-c', load(undefined)), undefined);
    assert.equal(await cachedClient(db, 'app-c', load('created since')), 'created since');
    await assert.rejects(cachedClient(db, 'app-d', async () => Promise.reject(new Error('database down'))), /database down/);
    assert.equal(await cachedClient(db, 'app-d', load('back')), 'back');
    assert.equal(reads, 3, 'the miss, the client created since, and the read after the failure');
  });
});
