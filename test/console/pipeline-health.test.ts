import { describe, expect, it } from 'vitest';
import { CrmPipelineHealth, summarizePipeline, type PipelineSnapshot } from '../../shared/crm/pipeline-health.js';

const base: PipelineSnapshot = {
  crm: 'hubspot',
  breaker: 'closed',
  cache: [],
  calls: [],
  drift: [],
  apiBudget: null,
  reconciliation: null,
};

describe("a CRM's pipeline health from its metric samples", () => {
  it('counts reads and the hit rate of this CRM only, and failed CRM calls by outcome', () => {
    const health = summarizePipeline({
      ...base,
      cache: [
        { labels: { crm: 'hubspot', result: 'hit' }, value: 6 },
        { labels: { crm: 'hubspot', result: 'miss' }, value: 2 },
        { labels: { crm: 'hubspot', result: 'stale' }, value: 1 },
        { labels: { crm: 'hubspot', result: 'unavailable' }, value: 1 },
        { labels: { crm: 'hubspot', result: 'refresh' }, value: 9 }, // a background refresh is not a read
        { labels: { crm: 'salesforce', result: 'hit' }, value: 100 },
      ],
      calls: [
        { labels: { crm: 'hubspot', endpoint: 'contacts.batchRead', outcome: 'ok' }, value: 3 },
        { labels: { crm: 'hubspot', endpoint: 'contacts.search', outcome: 'timeout' }, value: 2 },
        { labels: { crm: 'salesforce', endpoint: 'query', outcome: 'unavailable' }, value: 7 },
      ],
    });
    expect(health.reads).toBe(10);
    expect(health.cache).toEqual({ hit: 6, miss: 2, stale: 1, unavailable: 1, hitRate: 0.6 });
    expect(health.crmCalls).toEqual({ total: 5, failed: 2 });
    expect(CrmPipelineHealth.parse(health)).toEqual(health);
  });

  it('has no hit rate before the first read, lists drifted fields most frequent first, and carries budget and lag', () => {
    const health = summarizePipeline({
      ...base,
      breaker: 'open',
      drift: [
        { labels: { crm: 'hubspot', field: 'timeZone' }, value: 1 },
        { labels: { crm: 'hubspot', field: 'phones' }, value: 4 },
        { labels: { crm: 'hubspot', field: 'never' }, value: 0 },
      ],
      apiBudget: { used: 10, limit: 500_000, remaining: 499_990, reportedAtMs: Date.UTC(2026, 11, 5, 10) },
      reconciliation: {
        ok: false,
        reason: 'stale',
        lastSuccessAt: new Date(Date.UTC(2026, 11, 5, 9)),
        lagSeconds: 3600,
      },
    });
    expect(health.cache.hitRate).toBeNull();
    expect(health.breaker).toBe('open');
    expect(health.drift).toEqual([
      { field: 'phones', count: 4 },
      { field: 'timeZone', count: 1 },
    ]);
    expect(health.apiBudget).toEqual({
      used: 10,
      limit: 500_000,
      remaining: 499_990,
      window: 'daily',
      reportedAt: '2026-12-05T10:00:00.000Z',
    });
    expect(health.reconciliation).toEqual({
      ok: false,
      reason: 'stale',
      lastSuccessAt: '2026-12-05T09:00:00.000Z',
      lagSeconds: 3600,
    });
  });
});
