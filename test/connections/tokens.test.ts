import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotConnectionKind } from '../../crm/hubspot/connection.js';
import { salesforceConnectionKind } from '../../crm/salesforce/connection.js';
import { StoreConnectionDirectory } from '../../shared/crm/connections/directory.js';
import { ConnectionHealth } from '../../shared/crm/connections/health.js';
import { migrateConnections } from '../../shared/crm/connections/migrations.js';
import { createSecretBox, parseKeyRing } from '../../shared/crm/connections/secret-box.js';
import { ConnectionStore } from '../../shared/crm/connections/store.js';
import { ConnectionTokens, CrmAuthError } from '../../shared/crm/connections/tokens.js';
import { DEV_SECRETS } from '../../shared/config.js';
import { openDatabase, type Database } from '../../shared/db.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';

const SF_REFRESH = 'dev-salesforce-refresh-token';
const HS_REFRESH = 'dev-hubspot-refresh-token';

describe('connection tokens against the simulators', () => {
  let db: Database;
  let bus: EventBus;
  let sf: SalesforceSim;
  let hs: HubspotSim;
  const lines: string[] = [];
  const log = createLogger('tokens-test', {
    level: 'trace',
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const box = createSecretBox(parseKeyRing(DEV_SECRETS.CONNECTION_ENCRYPTION_KEYS));

  beforeAll(async () => {
    db = await openDatabase();
    await migrateConnections(db);
    bus = await createEventBus();
    sf = await startSalesforceSim({ port: 0, contacts: 5, rotateRefreshTokens: true });
    hs = await startHubspotSim({ port: 0 });
  });
  afterAll(async () => {
    await Promise.all([sf.close(), hs.close()]);
    await bus.close();
    await db.close();
  });

  /** One "process": its own store instance, directory, health and token cache on the shared database and bus. */
  async function process(now: () => number = Date.now) {
    const store = new ConnectionStore({ db, box, bus, log });
    const directory = await StoreConnectionDirectory.start({ store, bus, log, ticker: () => () => undefined });
    const metrics = createMetrics('tokens-test', { collectDefault: false });
    const health = new ConnectionHealth({ metrics, log });
    const tokens = new ConnectionTokens({
      directory,
      store,
      kinds: [salesforceConnectionKind, hubspotConnectionKind(now)],
      health,
      log,
      now,
    });
    return { store, directory, health, tokens, metrics };
  }

  it('single flight: 50 concurrent callers share one grant; the rotated refresh token is stored back sealed', async () => {
    const p = await process();
    const created = await p.store.create({
      seller: 'seller-sf-flight',
      crm: 'salesforce',
      account: '00DDp0000000001AAA',
      baseUrl: sf.url,
      credentials: { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret', refreshToken: SF_REFRESH },
    });
    await expect.poll(() => p.directory.byId(created.id)?.id).toBe(created.id);
    const before = await sf.admin.count('oauth.token');
    const tokens = await Promise.all(Array.from({ length: 50 }, () => p.tokens.token(created.id)));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(tokens[0]!.account).toBe('00DDp0000000001AAA');
    expect((await sf.admin.count('oauth.token')) - before).toBe(1);

    // The org rotated the refresh token: the new one is in the row (sealed), the spent one is not.
    const stored = await p.store.get(created.id);
    expect(stored!.credentials.refreshToken).not.toBe(SF_REFRESH);
    expect(stored!.revision).toBe(2);
    const raw = JSON.stringify((await db.query('SELECT * FROM crm_connection.crm_connections')).rows);
    expect(raw).not.toContain(stored!.credentials.refreshToken);

    // The cached token serves until the CRM answers 401; then one new grant, with the stored refresh token.
    expect((await p.tokens.token(created.id)).accessToken).toBe(tokens[0]!.accessToken);
    for (let i = 0; i < 5; i++) p.tokens.invalidate(created.id, tokens[0]!.accessToken);
    const again = await Promise.all(Array.from({ length: 10 }, () => p.tokens.token(created.id)));
    expect(new Set(again.map((t) => t.accessToken)).size).toBe(1);
    expect(again[0]!.accessToken).not.toBe(tokens[0]!.accessToken);
    expect((await sf.admin.count('oauth.token')) - before).toBe(2);
    await p.directory.close();
  });

  it('two processes refreshing one rotating connection at once take turns on the row: both succeed', async () => {
    const a = await process();
    const b = await process();
    const created = await a.store.create({
      seller: 'seller-sf-race',
      crm: 'salesforce',
      account: '00DDp0000000001AAA',
      baseUrl: sf.url,
      credentials: {
        clientId: 'dialplane-dev',
        clientSecret: 'dev-salesforce-secret',
        refreshToken: sf.revokeRefreshTokens(),
      },
    });
    await expect.poll(() => b.directory.byId(created.id)?.id).toBe(created.id);
    // Both start from the same (soon spent) refresh token; without the row lock the second is refused.
    const [ta, tb] = await Promise.all([a.tokens.token(created.id), b.tokens.token(created.id)]);
    expect(ta.accessToken).not.toBe(tb.accessToken);
    expect(a.health.get(created.id)?.authFailures ?? 0).toBe(0);
    expect(b.health.get(created.id)?.authFailures ?? 0).toBe(0);
    expect((await a.store.get(created.id))!.revision).toBe(3);
    await Promise.all([a.directory.close(), b.directory.close()]);
  });

  it('a revoked refresh token is an alert; a success after rotation is a recovery event; no secret in the logs', async () => {
    const p = await process();
    const first = await p.store.create({
      seller: 'seller-hs-revoked',
      crm: 'hubspot',
      account: '62515',
      baseUrl: hs.url,
      credentials: {
        clientId: 'dev-hubspot-client-id',
        clientSecret: 'dev-hubspot-client-secret',
        refreshToken: HS_REFRESH,
      },
    });
    await expect.poll(() => p.directory.byId(first.id)?.id).toBe(first.id);
    const token = await p.tokens.token(first.id);
    expect(token.expiresAt).toBeGreaterThan(Date.now());
    const probe = await hubspotConnectionKind().probe({ baseUrl: hs.url }, token);
    expect(probe.fields).toContain('hs_object_id');

    const next = hs.revokeOAuth();
    p.tokens.invalidate(first.id, token.accessToken);
    const refused = await p.tokens.token(first.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CrmAuthError);
    expect((refused as CrmAuthError).crmCode).toBe('BAD_REFRESH_TOKEN');
    await p.tokens.token(first.id).catch(() => undefined);
    expect(p.health.get(first.id)).toMatchObject({ authFailing: true, authFailures: 2 });
    expect(await p.metrics.render()).toMatch(
      new RegExp(`dialplane_connection_auth_failing\\{connection="${first.id}",crm="hubspot"[^}]*\\} 1`),
    );
    const alerts = lines.filter((l) => l.includes('"connection.auth_failed"') && l.includes(first.id));
    expect(alerts).toHaveLength(1); // one alert when it starts, not one per attempt

    const rotated = await p.store.rotateCredentials(first.id, {
      clientId: 'dev-hubspot-client-id',
      clientSecret: 'dev-hubspot-client-secret',
      refreshToken: next,
    });
    await expect.poll(() => p.directory.byId(first.id)?.revision).toBe(rotated.revision);
    await p.tokens.token(first.id);
    expect(p.health.get(first.id)).toMatchObject({ authFailing: false });
    expect(lines.some((l) => l.includes('"connection.auth_recovered"'))).toBe(true);
    expect(await p.metrics.render()).toMatch(/dialplane_connection_auth_recoveries_total\{[^}]*\} 1/);

    const all = lines.join('');
    for (const secret of [HS_REFRESH, next, 'dev-hubspot-client-secret', token.accessToken])
      expect(all).not.toContain(secret);
    await p.directory.close();
  });

  it('an OAuth access token is reused until shortly before it expires (injected clock), then granted anew', async () => {
    let now = Date.now();
    const p = await process(() => now);
    const created = await p.store.create({
      seller: 'seller-hs-expiry',
      crm: 'hubspot',
      account: '62515',
      baseUrl: hs.url,
      credentials: {
        clientId: 'dev-hubspot-client-id',
        clientSecret: 'dev-hubspot-client-secret',
        refreshToken: hs.revokeOAuth(),
      },
    });
    await expect.poll(() => p.directory.byId(created.id)?.id).toBe(created.id);
    const before = await hs.admin.count('oauth.token');
    const a = await p.tokens.token(created.id);
    now += 1_000 * 1_000; // 1000 s of 1800: still fresh
    expect((await p.tokens.token(created.id)).accessToken).toBe(a.accessToken);
    now += 760 * 1_000; // within the minute before expiry
    expect((await p.tokens.token(created.id)).accessToken).not.toBe(a.accessToken);
    expect((await hs.admin.count('oauth.token')) - before).toBe(2);
    await p.directory.close();
  });
});

describeWithPostgres('connection tokens: two processes on PostgreSQL', () => {
  it('refreshing one rotating connection at once from two pools, they take turns on the row lock: both succeed', async () => {
    const test = await createTestDatabase('conn_tokens');
    const sf = await startSalesforceSim({ port: 0, contacts: 5, rotateRefreshTokens: true });
    const box = createSecretBox(parseKeyRing(DEV_SECRETS.CONNECTION_ENCRYPTION_KEYS));
    const opened: { close(): Promise<void> }[] = [];
    const processOn = async () => {
      // Its own pool and bus, as another process has.
      const db = await openDatabase({ url: test.url });
      const bus = await createEventBus();
      await migrateConnections(db);
      const store = new ConnectionStore({ db, box, bus, log: silentLogger });
      const directory = await StoreConnectionDirectory.start({
        store,
        bus,
        log: silentLogger,
        ticker: () => () => undefined,
      });
      const health = new ConnectionHealth({
        metrics: createMetrics('pg-tokens', { collectDefault: false }),
        log: silentLogger,
      });
      const tokens = new ConnectionTokens({
        directory,
        store,
        kinds: [salesforceConnectionKind],
        health,
        log: silentLogger,
      });
      opened.push({ close: async () => (await directory.close(), await bus.close(), await db.close()) });
      return { store, directory, health, tokens };
    };
    try {
      const a = await processOn();
      const b = await processOn();
      const created = await a.store.create({
        seller: 'seller-pg-race',
        crm: 'salesforce',
        account: '00DDp0000000001AAA',
        baseUrl: sf.url,
        credentials: { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret', refreshToken: SF_REFRESH },
      });
      // Separate in-memory buses (as separate processes without Redis): each learns of the row from the database.
      await Promise.all([a.directory.resync(), b.directory.resync()]);
      const [ta, tb] = await Promise.all([a.tokens.token(created.id), b.tokens.token(created.id)]);
      expect(ta.accessToken).not.toBe(tb.accessToken);
      expect(a.health.get(created.id)?.authFailures ?? 0).toBe(0);
      expect(b.health.get(created.id)?.authFailures ?? 0).toBe(0);
      expect((await a.store.get(created.id))!.revision).toBe(3);
    } finally {
      for (const o of opened) await o.close();
      await sf.close();
      await test.drop();
    }
  });
});
