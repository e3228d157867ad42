import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { crmKeyOf } from '../../shared/crm/writer.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { callOutcomeInput } from '../../subgraphs/engagement/intake/outcome.js';
import { bucketOf } from '../../subgraphs/engagement/queue/rate-limit.js';
import { startWriteBackWorker } from '../../subgraphs/engagement/worker/worker.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';
import { eventually } from '../support/eventually.js';
import { outcome, quietLog, recordingConsent, testConfig } from './helpers.js';

// HubSpot's rate limit (simulator: fixed window, 429 TEN_SECONDLY_ROLLING bodies). With our share
// configured far above the CRM's real limit, the worker hits a 429 storm and rides it out by
// pausing the shared bucket; configured at the CRM's limit, it never sees a 429 at all.

const LIMIT = { limit: 30, windowMs: 2_000 };

async function run(sim: HubspotSim, engagement: RunningEngagementSubgraph, count: number) {
  const keys: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const input = outcome(`hubspot:${['101', '103', '104', '105'][i % 4]}`);
    const { receipt } = await engagement.runtime.store.recordOutcome(callOutcomeInput.parse(input), 'graphql');
    ids.push(receipt.id);
    keys.push(crmKeyOf(input.idempotencyKey as string));
  }
  engagement.worker?.notify();
  await eventually(
    async () => {
      const states = await Promise.all(ids.map((id) => engagement.runtime.store.getWriteBack(id)));
      return states.every((s) => s?.status === 'WRITTEN');
    },
    40_000,
    250,
  );
  const calls = [...sim.portal.store.tables.calls.rows.values()];
  for (const key of keys) expect(calls.filter((c) => c.props.dialplane_key === key)).toHaveLength(1);
  const states = await Promise.all(ids.map((id) => engagement.runtime.store.getWriteBack(id)));
  return { states, log: await sim.admin.requests() };
}

describe('engagement write-back under HubSpot rate limits (PGlite)', () => {
  let sim: HubspotSim;
  const started: RunningEngagementSubgraph[] = [];
  beforeAll(async () => {
    sim = await startHubspotSim({
      port: 0,
      latency: { medianMs: 0, jitterMs: 0 },
      rateLimit: { enabled: true, ...LIMIT, policy: 'TEN_SECONDLY_ROLLING' },
    });
  });
  afterAll(async () => {
    for (const e of started) await e.close();
    await sim?.close();
  });

  it('rides out a 429 storm: everything written once, no attempt wasted, throttled requests a small share', async () => {
    const config = testConfig({ hubspotUrl: sim.url });
    // Our share set 30x above what the CRM allows: the first burst storms into 429s.
    config.policy = {
      ...config.policy,
      rateLimits: { ...config.policy.rateLimits, hubspot: { limit: 900, windowMs: 2_000 } },
    };
    const engagement = await startEngagementSubgraph(config, { log: quietLog, consent: recordingConsent() });
    started.push(engagement);
    await sim.admin.reset('stats');
    const { states, log } = await run(sim, engagement, 24);
    expect(states.every((s) => s!.attempts === 1)).toBe(true); // 429s were waited out inside the job
    const throttled = log.filter((r) => r.status === 429).length;
    const ok = log.filter((r) => r.status < 300).length;
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThan(ok);
    await engagement.close();
  }, 60_000);

  it('never sees a 429 when its share matches the CRM limit', async () => {
    await sim.admin.reset();
    const config = testConfig({ hubspotUrl: sim.url });
    config.policy = { ...config.policy, rateLimits: { ...config.policy.rateLimits, hubspot: LIMIT } };
    const engagement = await startEngagementSubgraph(config, { log: quietLog, consent: recordingConsent() });
    started.push(engagement);
    const { log } = await run(sim, engagement, 16);
    expect(log.filter((r) => r.status === 429)).toHaveLength(0);
    // The bucket never exceeds the limit in a window and sustains more than 90% of it.
    const { capacity, refillPerMs } = bucketOf(LIMIT);
    expect((capacity + refillPerMs * LIMIT.windowMs) / LIMIT.limit).toBeLessThanOrEqual(1);
    expect((refillPerMs * LIMIT.windowMs) / LIMIT.limit).toBeGreaterThanOrEqual(0.9);
  }, 60_000);
});

describeWithPostgres('one rate limit shared by every worker', () => {
  let sim: HubspotSim;
  let database: { url: string; drop: () => Promise<void> };
  let api: RunningEngagementSubgraph;
  const workers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('eng_shared_rate');
    sim = await startHubspotSim({
      port: 0,
      latency: { medianMs: 0, jitterMs: 0 },
      rateLimit: { enabled: true, ...LIMIT, policy: 'TEN_SECONDLY_ROLLING' },
    });
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
    await sim?.close();
    await database?.drop();
  });

  it('three workers (each with its own connection pool) together stay within the CRM limit', async () => {
    const config = testConfig({ hubspotUrl: sim.url, databaseUrl: database.url });
    config.policy = { ...config.policy, rateLimits: { ...config.policy.rateLimits, hubspot: LIMIT } };
    api = await startEngagementSubgraph(
      { ...config, runWorker: false },
      { log: quietLog, consent: recordingConsent() },
    );
    // Each worker alone would use the whole share; three private buckets would send 3x the limit.
    for (let i = 0; i < 3; i++) workers.push(await startWriteBackWorker(config));
    const { log } = await run(sim, api, 16);
    expect(log.filter((r) => r.status === 429)).toHaveLength(0);
  }, 60_000);
});
