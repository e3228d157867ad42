import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { signIdentity } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { CallerOverloadedError, WindowBatcher } from '../../shared/crm/window-batcher.js';

// Issue 10: "one client trips everyone's breaker". A flood of caller-id lookups from one caller
// drives HubSpot's search endpoint into its rate limit (429). That is the CRM refusing volume, not
// the CRM failing: the circuit breaker must stay closed and another caller's contact reads must
// be served.
const INTERNAL_SECRET = 'fair-sharing-internal-secret';

describe('a contactsByPhone flood from one caller', () => {
  let sim: HubspotSim;
  let sub: RunningCrmSubgraph;
  beforeAll(async () => {
    sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 }, searchRateLimitPerSecond: 5 });
    sub = await startHubspotSubgraph({
      port: 0,
      hubspot: {
        baseUrl: sim.url,
        accessToken: 'dev-hubspot-token',
        clientSecret: 'dev-hubspot-client-secret',
        timeoutMs: 1_000,
      },
      runtime: {
        cacheTtlMs: 10_000,
        batchWindowMs: 1,
        internalSecret: INTERNAL_SECRET,
        breaker: { failureThreshold: 5, openMs: 30_000 },
      },
      log: silentLogger,
    });
  }, 30_000);
  afterAll(async () => {
    await sub?.close();
    await sim?.close();
  });

  const ask = async (caller: string, query: string) => {
    const body = JSON.stringify({ query });
    const res = await fetch(sub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-dialplane-identity': signIdentity({ sub: caller, roles: ['agent'] }, INTERNAL_SECRET, { body }),
      },
      body,
    });
    return (await res.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { extensions?: { code?: string } }[];
    };
  };

  it("keeps the breaker closed and serves another caller's reads", async () => {
    // Distinct numbers: nothing cached, every lookup is a CRM search.
    const flood = Array.from({ length: 40 }, (_, i) =>
      ask('abuser', `{ contactsByPhone(phone: "+1415555${String(1000 + i)}") { id } }`),
    );
    const answers = await Promise.all(flood);
    const codes = answers.flatMap((a) => a.errors?.map((e) => e.extensions?.code) ?? []);
    // The abuser is refused for volume (CRM_RATE_LIMITED), and some of its lookups are served.
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['CRM_RATE_LIMITED']));
    expect(sub.service.breaker.state).toBe('closed');
    const victim = await ask('victim', '{ contact(id: "hubspot:101") { id } }');
    expect(victim.errors).toBeUndefined();
    expect(victim.data?.contact).toEqual({ id: 'hubspot:101' });
  }, 30_000);
});

describe('WindowBatcher fair queuing per caller', () => {
  function controlled(options: { maxBatchSize: number; maxWaitingPerCaller?: number }) {
    const dispatched: string[][] = [];
    const releases: (() => void)[] = [];
    const batcher = new WindowBatcher<string, string>({
      windowMs: 0,
      maxConcurrent: 1,
      ...options,
      dispatch: (keys) => {
        dispatched.push(keys);
        return new Promise((resolve) => releases.push(() => resolve(keys.map((k) => k.toUpperCase()))));
      },
    });
    return { batcher, dispatched, releases };
  }

  it("serves a waiting caller's key in the next dispatch, ahead of another caller's backlog", async () => {
    const { batcher, dispatched, releases } = controlled({ maxBatchSize: 2 });
    const abuser = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((k) => batcher.load(k, 'abuser'));
    await expect.poll(() => dispatched.length).toBe(1);
    const victim = batcher.load('v1', 'victim');
    await new Promise((r) => setImmediate(r)); // the victim's window closes
    releases[0]!();
    await expect.poll(() => dispatched.length).toBe(2);
    expect(dispatched[1]).toContain('v1');
    releases[1]!();
    expect(await victim).toBe('V1');
    await expect.poll(() => dispatched.length).toBe(3);
    releases[2]!();
    await expect.poll(() => dispatched.length).toBe(4);
    releases[3]!();
    expect(await Promise.all(abuser)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
  });

  it("sheds the bursting caller's loads beyond its share, not another caller's", async () => {
    const { batcher, dispatched, releases } = controlled({ maxBatchSize: 1, maxWaitingPerCaller: 3 });
    const first = batcher.load('a1', 'abuser');
    await expect.poll(() => dispatched.length).toBe(1);
    const waiting = ['a2', 'a3', 'a4'].map((k) => batcher.load(k, 'abuser'));
    await expect(batcher.load('a5', 'abuser')).rejects.toBeInstanceOf(CallerOverloadedError);
    const victim = batcher.load('v1', 'victim');
    for (let i = 0; i < 5; i++) {
      await expect.poll(() => dispatched.length).toBe(i + 1);
      releases[i]!();
    }
    expect(await victim).toBe('V1');
    expect(await Promise.all([first, ...waiting])).toEqual(['A1', 'A2', 'A3', 'A4']);
  });
});
