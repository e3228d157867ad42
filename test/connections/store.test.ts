import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreConnectionDirectory } from '../../shared/crm/connections/directory.js';
import { migrateConnections } from '../../shared/crm/connections/migrations.js';
import { createSecretBox, parseKeyRing } from '../../shared/crm/connections/secret-box.js';
import { ConnectionStore } from '../../shared/crm/connections/store.js';
import { openDatabase, type Database } from '../../shared/db.js';
import { ErrorCode, isDialplaneError } from '../../shared/errors.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import {
  createTestDatabase,
  describeWithPostgres,
  describeWithRedis,
  TEST_REDIS_URL,
  uniquePrefix,
} from '../support/services.js';

const KEY_A = `a:${randomBytes(32).toString('base64')}`;
const KEY_B = `b:${randomBytes(32).toString('base64')}`;
const SECRET = `sfsecret-${randomBytes(8).toString('hex')}`;
const REFRESH = `refresh-${randomBytes(8).toString('hex')}`;

const newConnection = (seller: string) => ({
  seller,
  crm: 'salesforce' as const,
  account: '00DDp0000000001AAA',
  baseUrl: 'http://127.0.0.1:1',
  credentials: { clientId: 'client-1', clientSecret: SECRET, refreshToken: REFRESH },
});

/** Collects every log line written, to prove no secret reaches the logs. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('connections-test', { level: 'trace', destination }), lines };
}

function storeSuite(open: () => Promise<{ db: Database; close: () => Promise<void> }>) {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await open());
    await migrateConnections(db);
  });
  afterAll(() => close());

  it('creates, reads back, lists without secrets, and keeps no secret in clear in the table', async () => {
    const { log, lines } = capturedLogger();
    const store = new ConnectionStore({ db, box: createSecretBox(parseKeyRing(KEY_A)), log });
    const created = await store.create(newConnection('seller-clear'));
    expect(created.id).toMatch(/^conn_/);
    expect(created.credentials).toEqual({ clientId: 'client-1', clientSecret: SECRET, refreshToken: REFRESH });
    expect(created.revision).toBe(1);

    const listed = await store.list({ seller: 'seller-clear' });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: created.id, credentialFields: ['clientId', 'clientSecret', 'refreshToken'] });
    expect(JSON.stringify(listed)).not.toContain(SECRET);

    const raw = await db.query(`SELECT * FROM crm_connection.crm_connections WHERE id = $1`, [created.id]);
    const text = JSON.stringify(raw.rows);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(REFRESH);
    expect(text).not.toContain('client-1'); // the whole credentials object is sealed, ids included
    expect(raw.rows[0]).toMatchObject({ credentials_key_id: 'a', seller: 'seller-clear' });

    // A duplicate (seller, crm) is a typed conflict; neither it nor the logs quote a secret.
    const duplicate = await store.create(newConnection('seller-clear')).catch((e: unknown) => e);
    expect(isDialplaneError(duplicate, ErrorCode.CONFLICT)).toBe(true);
    expect(String((duplicate as Error).message)).not.toContain(SECRET);
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('rotates credentials, sets overrides, disables and deletes, bumping the revision each time', async () => {
    const store = new ConnectionStore({ db, box: createSecretBox(parseKeyRing(KEY_A)), log: silentLogger });
    const c = await store.create(newConnection('seller-life'));
    const rotated = await store.rotateCredentials(c.id, { clientId: 'client-1', clientSecret: 'new-secret-value' });
    expect(rotated.revision).toBe(2);
    expect(rotated.credentials.clientSecret).toBe('new-secret-value');
    // A stale expected revision is a conflict, not a silent overwrite.
    const stale = await store.rotateCredentials(c.id, { clientId: 'x', clientSecret: 'y' }, 1).catch((e) => e);
    expect(isDialplaneError(stale, ErrorCode.CONFLICT)).toBe(true);
    const mapped = await store.setMappingOverrides(c.id, { 'suppression.doNotCall': 'Do_Not_Call__c' });
    expect(mapped).toMatchObject({ revision: 3, mappingOverrides: { 'suppression.doNotCall': 'Do_Not_Call__c' } });
    expect((await store.disable(c.id)).status).toBe('disabled');
    await store.delete(c.id);
    expect(await store.get(c.id)).toBeNull();
    const gone = await store.delete(c.id).catch((e) => e);
    expect(isDialplaneError(gone, ErrorCode.NOT_FOUND)).toBe(true);
  });

  it('rekey re-seals every row under the current key; the old key can then leave the ring', async () => {
    const { log, lines } = capturedLogger();
    const old = new ConnectionStore({ db, box: createSecretBox(parseKeyRing(KEY_A)), log });
    const c = await old.create(newConnection('seller-rekey'));
    const during = new ConnectionStore({ db, box: createSecretBox(parseKeyRing(`${KEY_B},${KEY_A}`)), log });
    const result = await during.rekey();
    expect(result.rekeyed).toBeGreaterThanOrEqual(1);
    expect((await during.list()).every((s) => s.keyId === 'b')).toBe(true);
    expect((await during.rekey()).rekeyed).toBe(0); // re-runnable
    const after = new ConnectionStore({ db, box: createSecretBox(parseKeyRing(KEY_B)), log });
    expect((await after.get(c.id))?.credentials.clientSecret).toBe(SECRET);
    // With a ring missing the key, the row is skipped (logged by id), never served half-read,
    // and a rekey names it instead of failing.
    const lost = new ConnectionStore({ db, box: createSecretBox(parseKeyRing(KEY_A)), log });
    expect((await lost.rekey()).unreadable).toContain(c.id);
    expect((await lost.loadAll()).find((x) => x.id === c.id)).toBeUndefined();
    expect(lines.join('')).toContain(c.id);
    expect(lines.join('')).not.toContain(SECRET);
  });
}

describe('connection store on PGlite', () => {
  storeSuite(async () => {
    const db = await openDatabase();
    return { db, close: () => db.close() };
  });
});

describeWithPostgres('connection store on PostgreSQL', () => {
  storeSuite(async () => {
    const test = await createTestDatabase('connections');
    const db = await openDatabase({ url: test.url });
    return { db, close: async () => (await db.close(), await test.drop()) };
  });
});

function directorySuite(openBus: () => Promise<EventBus>, shareBus: boolean) {
  it('follows a change made by another store instance (another process) through the event bus', async () => {
    const db = await openDatabase();
    await migrateConnections(db);
    const box = createSecretBox(parseKeyRing(KEY_A));
    const busHere = await openBus();
    const busThere = shareBus ? busHere : await openBus();
    const ticks: (() => void)[] = [];
    const here = new ConnectionStore({ db, box, bus: busHere, log: silentLogger });
    const there = new ConnectionStore({ db, box, bus: busThere, log: silentLogger });
    const existing = await here.create(newConnection('seller-existing'));
    const directory = await StoreConnectionDirectory.start({
      store: here,
      bus: busHere,
      log: silentLogger,
      ticker: (_ms, fn) => (ticks.push(fn), () => undefined),
    });
    expect(directory.forSeller('seller-existing', 'salesforce')?.id).toBe(existing.id);
    const changed: string[] = [];
    directory.onChange((id) => changed.push(id));

    const created = await there.create(newConnection('seller-new'));
    await expect.poll(() => directory.forSeller('seller-new', 'salesforce')?.id, { timeout: 5_000 }).toBe(created.id);
    await there.rotateCredentials(created.id, { clientId: 'c', clientSecret: 'rotated-secret' });
    await expect
      .poll(() => directory.byId(created.id)?.credentials.clientSecret, { timeout: 5_000 })
      .toBe('rotated-secret');
    await there.disable(existing.id);
    await expect.poll(() => directory.forSeller('seller-existing', 'salesforce'), { timeout: 5_000 }).toBeNull();
    await there.delete(created.id);
    await expect.poll(() => directory.byId(created.id), { timeout: 5_000 }).toBeNull();
    expect(changed).toEqual(expect.arrayContaining([created.id, existing.id]));
    expect(directory.list('salesforce').map((c) => c.id)).toEqual([existing.id]);

    // A change whose message was lost (no bus) is caught up by the periodic resync.
    const silent = new ConnectionStore({ db, box, log: silentLogger });
    const unannounced = await silent.create(newConnection('seller-unannounced'));
    expect(directory.byId(unannounced.id)).toBeNull();
    for (const tick of ticks) tick();
    await expect.poll(() => directory.byId(unannounced.id)?.seller, { timeout: 5_000 }).toBe('seller-unannounced');

    await directory.close();
    await busHere.close();
    if (!shareBus) await busThere.close();
    await db.close();
  });
}

describe('connection directory, in-process bus', () => {
  directorySuite(() => createEventBus(), true);
});

describeWithRedis('connection directory, Redis bus (two processes)', () => {
  const prefix = uniquePrefix('connections');
  directorySuite(() => createEventBus({ redisUrl: TEST_REDIS_URL, prefix }), false);
});
