import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSimServer, Router, type SimHandler, type SimServer } from '../../sim/common/sim-server.js';
import { SimAdminClient, SimAdminError } from '../../sim/common/admin-client.js';
import { sampleLatencyMs } from '../../sim/common/latency.js';
import { decideFault } from '../../sim/common/faults.js';
import { RateLimiter } from '../../sim/common/rate-limiter.js';
import { RequestStats } from '../../sim/common/request-stats.js';
import type { SimEdit } from '../../sim/common/admin-schemas.js';

/** A toy CRM on the common building blocks: proves the pipeline without either real simulator. */
function startToySim() {
  const edits: SimEdit[] = [];
  let resets = 0;
  const router = new Router<SimHandler>()
    .add('GET', '/items/:id', 'items.get', (req) => ({ status: 200, body: { id: req.params.id } }))
    .add('POST', '/items/batch', 'items.batch', (req) => {
      const body = req.json() as { ids: string[] };
      req.setBatchSize(body.ids.length);
      return { status: 200, body: body.ids.map((id) => ({ id })) };
    })
    .add('POST', '/token', 'token', () => ({ status: 200, body: { token: 't' } }), { isPublic: true })
    .add('GET', '/boom', 'boom', () => {
      throw new Error('handler bug');
    });
  const sim: SimServer = createSimServer({
    name: 'toy',
    router,
    contentType: 'application/json',
    latency: { medianMs: 0, jitterMs: 0 },
    errors: {
      fault: (kind) => ({ status: 503, body: { fault: kind } }),
      rateLimited: (state) => ({ status: 429, body: { limited: true, limit: state.limit } }),
      notFound: () => ({ status: 404, body: { notFound: true } }),
      methodNotAllowed: () => ({ status: 405, body: { method: false } }),
      badBody: () => ({ status: 400, body: { badJson: true } }),
      internal: () => ({ status: 500, body: { internal: true } }),
    },
    authenticate: (req) => (req.headers.authorization === 'Bearer ok' ? null : { status: 401, body: { auth: false } }),
    admin: {
      resetData: () => {
        resets++;
      },
      edit: (edit) => {
        edits.push(edit);
        sim.delivery.send('toy.change', ({ attemptNumber }) => ({
          body: JSON.stringify({ edit, attemptNumber }),
          headers: { 'x-attempt': String(attemptNumber) },
        }));
        return { object: 'item', id: '1', changedFields: ['x'] };
      },
    },
  });
  return { sim, edits, resets: () => resets };
}

const auth = { authorization: 'Bearer ok' };

describe('sim/common building blocks', () => {
  it('samples latency around the median, 0 when configured 0, per-endpoint overrides', () => {
    expect(sampleLatencyMs({ medianMs: 0, jitterMs: 0 }, 'x')).toBe(0);
    const cfg = { medianMs: 100, jitterMs: 20, endpoints: { fast: { medianMs: 1, jitterMs: 0 } } };
    const samples = Array.from({ length: 2001 }, () => sampleLatencyMs(cfg, 'query')).sort((a, b) => a - b);
    expect(samples[0]).toBeGreaterThanOrEqual(80);
    expect(samples[2000]).toBeLessThanOrEqual(120);
    expect(Math.abs(samples[1000] - 100)).toBeLessThan(3);
    expect(sampleLatencyMs(cfg, 'fast')).toBe(1);
  });

  it('decides faults by share and endpoint', () => {
    expect(decideFault({ errorRate: 0, hangRate: 0, outage: true }, 'a')).toBe('outage');
    expect(decideFault({ errorRate: 1, hangRate: 0, outage: false }, 'a')).toBe('error');
    expect(decideFault({ errorRate: 0, hangRate: 1, outage: false }, 'a')).toBe('hang');
    expect(decideFault({ errorRate: 1, hangRate: 0, outage: false, endpoints: ['b'] }, 'a')).toBe('none');
    const seq = [0.05, 0.2, 0.6];
    const rnd = () => seq.shift()!;
    const cfg = { errorRate: 0.3, hangRate: 0.1, outage: false };
    expect([decideFault(cfg, 'a', rnd), decideFault(cfg, 'a', rnd), decideFault(cfg, 'a', rnd)]).toEqual([
      'hang',
      'error',
      'none',
    ]);
  });

  it('rate limiter allows `limit` per window, then refuses until the window ends', () => {
    const rl = new RateLimiter({ enabled: true, limit: 2, windowMs: 1000 });
    expect(rl.take(0).allowed).toBe(true);
    expect(rl.take(10).remaining).toBe(0);
    const refused = rl.take(20);
    expect(refused.allowed).toBe(false);
    expect(refused.resetInMs).toBe(980);
    expect(rl.take(1000).allowed).toBe(true);
  });

  it('request log is a bounded ring, oldest first', () => {
    const s = new RequestStats(3);
    for (let i = 0; i < 5; i++)
      s.record({ at: String(i), method: 'GET', path: '/', endpoint: 'e', status: 200, durationMs: 0 });
    expect(s.entries().map((e) => e.at)).toEqual(['2', '3', '4']);
  });
});

describe('createSimServer + SimAdminClient', () => {
  let toy: ReturnType<typeof startToySim>;
  let url: string;
  let admin: SimAdminClient;
  let receiver: Server;
  let receiverUrl: string;
  const received: { attempt: string; body: string }[] = [];
  let failFirst = 0;

  beforeAll(async () => {
    toy = startToySim();
    ({ url } = await toy.sim.listen(0));
    admin = new SimAdminClient(url);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (failFirst > 0) {
          failFirst--;
          res.writeHead(500).end();
          return;
        }
        received.push({ attempt: String(req.headers['x-attempt']), body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterEach(async () => {
    await admin.reset('all');
  });
  afterAll(async () => {
    await toy.sim.close();
    await new Promise((r) => receiver.close(r));
  });

  it('routes, authenticates, counts per endpoint and logs batch sizes', async () => {
    expect((await fetch(`${url}/items/7`)).status).toBe(401);
    const ok = await fetch(`${url}/items/7`, { headers: auth });
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(await ok.json()).toEqual({ id: '7' });
    expect((await fetch(`${url}/token`, { method: 'POST' })).status).toBe(200);
    const batch = await fetch(`${url}/items/batch`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ ids: ['1', '2', '3'] }),
    });
    expect(await batch.json()).toHaveLength(3);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/token`, { method: 'PUT' })).status).toBe(405);

    const stats = await admin.stats();
    expect(stats.sim).toBe('toy');
    expect(stats.counters).toMatchObject({ 'items.get': 2, token: 1, 'items.batch': 1, unknown: 2 });
    const log = await admin.requests({ endpoint: 'items.batch' });
    expect(log.map((e) => [e.status, e.batchSize])).toEqual([[200, 3]]);
    expect(await admin.count('items.get')).toBe(2);
  });

  it('answers bad JSON and handler crashes with the sim error shapes, never a crash', async () => {
    const bad = await fetch(`${url}/items/batch`, { method: 'POST', headers: auth, body: '{nope' });
    expect([bad.status, await bad.json()]).toEqual([400, { badJson: true }]);
    const boom = await fetch(`${url}/boom`, { headers: auth });
    expect([boom.status, await boom.json()]).toEqual([500, { internal: true }]);
    expect((await fetch(`${url}/items/1`, { headers: auth })).status).toBe(200);
  });

  it('injects outage, errors and hangs; reset restores the start knobs', async () => {
    await admin.setFaults({ outage: true });
    const out = await fetch(`${url}/items/1`, { headers: auth });
    expect([out.status, await out.json()]).toEqual([503, { fault: 'outage' }]);
    await admin.setFaults({ errorRate: 1, endpoints: ['items.get'] });
    expect((await fetch(`${url}/items/1`, { headers: auth })).status).toBe(503);
    expect((await fetch(`${url}/token`, { method: 'POST' })).status).toBe(200);
    await admin.setFaults({ hangRate: 1 });
    await expect(fetch(`${url}/items/1`, { headers: auth, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    await admin.reset('all');
    expect((await fetch(`${url}/items/1`, { headers: auth })).status).toBe(200);
    expect(toy.resets()).toBeGreaterThan(0);
  });

  it('applies latency and rate limits through the admin API', async () => {
    await admin.setLatency({ medianMs: 60, jitterMs: 0 });
    const t0 = performance.now();
    await fetch(`${url}/items/1`, { headers: auth });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    await admin.setLatency({ medianMs: 0, jitterMs: 0 });

    await admin.setRateLimit({ enabled: true, limit: 2, windowMs: 60_000 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${url}/items/1`, { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await admin.knobs()).rateLimit.limit).toBe(2);
  });

  it('keeps drift rules, replaces a rule for the same field and clears them', async () => {
    await admin.setDrift({ object: 'item', field: 'a', action: 'rename', to: 'b' });
    await admin.setDrift({ object: 'item', field: 'a', action: 'remove' });
    expect((await admin.knobs()).drift).toEqual([{ object: 'item', field: 'a', action: 'remove' }]);
    await expect(admin.setDrift({ object: 'item', field: 'a', action: 'rename' })).rejects.toBeInstanceOf(
      SimAdminError,
    );
    await admin.clearDrift();
    expect(toy.sim.knobs.drift).toEqual([]);
  });

  it('delivers change events from edits and retries with backoff when the receiver fails', async () => {
    received.length = 0;
    failFirst = 2;
    await admin.setWebhooks([receiverUrl], { baseDelayMs: 20, maxAttempts: 4 });
    const result = await admin.edit({ kind: 'doNotCall', contactId: 'c1', value: true });
    expect(result.changedFields).toEqual(['x']);
    const settled = await admin.waitForDeliveries();
    expect(settled).toMatchObject({ delivered: 1, failed: 0, attempts: 3 });
    expect(received).toHaveLength(1);
    expect(received[0].attempt).toBe('3');
    expect(JSON.parse(received[0].body)).toMatchObject({ attemptNumber: 3, edit: { kind: 'doNotCall' } });
    const [record] = await admin.deliveries();
    expect(record).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200 });
  });

  it('gives up after maxAttempts', async () => {
    failFirst = 100;
    await admin.setWebhooks([receiverUrl], { baseDelayMs: 5, maxAttempts: 2 });
    await admin.edit({ kind: 'set', object: 'item', id: '1', fields: { a: 1 } });
    expect(await admin.waitForDeliveries()).toMatchObject({ delivered: 0, failed: 1, attempts: 2 });
    failFirst = 0;
  });

  it('rejects invalid admin bodies with 400', async () => {
    await expect(admin.setFaults({ errorRate: 2 })).rejects.toMatchObject({ status: 400 });
    const r = await fetch(`${url}/__sim/edit`, { method: 'POST', body: '{"kind":"nope"}' });
    expect(r.status).toBe(400);
  });
});

describe('RateLimiter.failNext', () => {
  it('refuses exactly N requests even when disabled, then follows the config', () => {
    const rl = new RateLimiter({ enabled: false, limit: 5, windowMs: 1000, failNext: 2 });
    expect([rl.take(0).allowed, rl.take(1).allowed, rl.take(2).allowed, rl.take(3).allowed]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});
