import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/services.js';
import { inject } from 'vitest';
import { spawnEntry, timeToExit, type SpawnedService } from '../support/processes.js';
import { jsonLogLines, serviceKeyCount } from '../support/log-lines.js';

// Every service's entry point, run as its own process the way an orchestrator runs it: after
// SIGTERM it must exit 0 within a few seconds (Kubernetes' default grace period is 30 s; a process
// that outlives it is killed mid-write on every deploy). The deadline below bounds the wait; the
// test waits on the 'exit' event, not a sleep.
const EXIT_WITHIN_MS = 5_000;

const ports = {
  GATEWAY_PORT: '0',
  SALESFORCE_SUBGRAPH_PORT: '0',
  HUBSPOT_SUBGRAPH_PORT: '0',
  CONSENT_SUBGRAPH_PORT: '0',
  ENGAGEMENT_SUBGRAPH_PORT: '0',
  SIM_SALESFORCE_PORT: '0',
  SIM_HUBSPOT_PORT: '0',
};
const base = { NODE_ENV: 'development', LOG_LEVEL: 'info', SIM_CONTACTS: '50', ...ports };

interface Case {
  name: string;
  entry: string;
  ready: RegExp;
  env?: () => Promise<Record<string, string>>;
}

const cleanups: (() => Promise<void>)[] = [];
const cases: Case[] = [
  { name: 'gateway', entry: 'gateway/index.ts', ready: /"msg":"gateway ready"/ },
  { name: 'salesforce subgraph', entry: 'subgraphs/salesforce/index.ts', ready: /salesforce subgraph started/ },
  { name: 'hubspot subgraph', entry: 'subgraphs/hubspot/index.ts', ready: /hubspot subgraph started/ },
  { name: 'consent subgraph', entry: 'subgraphs/consent/index.ts', ready: /consent subgraph started/ },
  {
    name: 'engagement subgraph (worker in-process)',
    entry: 'subgraphs/engagement/index.ts',
    ready: /engagement subgraph started/,
  },
  { name: 'CRM simulators', entry: 'sim/index.ts', ready: /CRM simulators listening/ },
];
if (inject('postgresAvailable')) {
  cases.push({
    name: 'write-back worker (PostgreSQL)',
    entry: 'subgraphs/engagement/worker-main.ts',
    ready: /write-back worker started/,
    env: async () => {
      const db = await createTestDatabase('shutdown_worker');
      cleanups.push(db.drop);
      return { DATABASE_URL: db.url };
    },
  });
}

describe('SIGTERM: every service exits promptly and cleanly', () => {
  const running: SpawnedService[] = [];
  afterAll(async () => {
    for (const s of running) s.kill();
    for (const c of cleanups) await c();
  });

  it.each(cases)(
    '$name exits within a few seconds of SIGTERM',
    async ({ entry, ready, env }) => {
      const service = spawnEntry(entry, { ...base, ...(env ? await env() : {}) });
      running.push(service);
      await service.waitFor(ready);
      const { ms, code, killed } = await timeToExit(service, 'SIGTERM', EXIT_WITHIN_MS * 3);
      expect(killed, `still alive ${Math.round(ms)} ms after SIGTERM; output:\n${service.output()}`).toBe(false);
      expect(ms).toBeLessThan(EXIT_WITHIN_MS);
      expect(code).toBe(0);
      // The shutdown handler runs once (a second run would close twice and log twice).
      expect(service.output().match(/"signal":"SIGTERM"/g)?.length ?? 0).toBeLessThanOrEqual(1);
      // Log hygiene: one `service` key a line, and no start-up line said twice.
      const lines = jsonLogLines(service.output());
      for (const { raw } of lines) expect(serviceKeyCount(raw), raw).toBe(1);
      const startupMessages = lines.map((l) => String(l.parsed.msg)).filter((m) => /listening|started|ready/.test(m));
      expect(new Set(startupMessages).size).toBe(startupMessages.length);
    },
    240_000,
  );
});
