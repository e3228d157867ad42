import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { crmKeyOf } from '../../shared/crm/writer.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';
import { eventually } from '../support/eventually.js';
import { RECORD, gql, outcome, quietLog, recordingConsent, testConfig } from './helpers.js';

// `npm run worker` as a separate process on the real PostgreSQL server, killed with SIGKILL while
// jobs are in flight (slow CRM: 300 ms a request). A new worker process finishes the work: every
// outcome lands exactly once, including the ones the dead worker had already written to the CRM
// without recording it.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function startWorkerProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/engagement/worker-main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

describeWithPostgres('write-back worker killed mid-job', () => {
  let sim: HubspotSim;
  let api: RunningEngagementSubgraph;
  let database: { url: string; drop: () => Promise<void> };
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('eng_crash');
    sim = await startHubspotSim({ port: 0, latency: { medianMs: 300, jitterMs: 0 } });
    // The API process runs no worker; the worker is the separate process below.
    // Queue settings must match the worker's env (the last process to start applies them to the queue).
    const config = { ...testConfig({ hubspotUrl: sim.url, databaseUrl: database.url }), runWorker: false };
    config.policy = { ...config.policy, jobTimeoutSeconds: 3, maxRetryDelaySeconds: 2 };
    api = await startEngagementSubgraph(config, { log: quietLog, consent: recordingConsent() });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await api?.close();
    await sim?.close();
    await database?.drop();
  });

  it('loses nothing and duplicates nothing after a SIGKILL and a restart', async () => {
    const env = {
      DATABASE_URL: database.url,
      HUBSPOT_BASE_URL: sim.url,
      LOG_LEVEL: 'silent',
      WRITEBACK_CONCURRENCY: '6',
      WRITEBACK_JOB_TIMEOUT_S: '3',
      WRITEBACK_MAINTENANCE_INTERVAL_S: '1',
      WRITEBACK_MAX_RETRY_DELAY_S: '2',
      WRITEBACK_RATE_HUBSPOT: '1000/1000',
    };
    const ids: string[] = [];
    const keys: string[] = [];
    for (let i = 0; i < 24; i++) {
      const input = outcome(`hubspot:${['101', '103', '104', '105'][i % 4]}`, { intentStage: null });
      const res = await gql<{ recordCallOutcome: { id: string } }>(api.url, RECORD, { input });
      ids.push(res.data!.recordCallOutcome.id);
      keys.push(crmKeyOf(input.idempotencyKey as string));
    }
    const states = async () => Promise.all(ids.map(async (id) => (await api.runtime.store.getWriteBack(id))!));

    const first = startWorkerProcess(env);
    children.push(first);
    // Kill while work is in flight: some written, some not, and CRM requests outstanding.
    await eventually(async () => (await states()).filter((s) => s.status === 'WRITTEN').length >= 4, 60_000, 50);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const afterKill = await states();
    const unfinished = afterKill.filter((s) => s.status !== 'WRITTEN');
    expect(unfinished.length).toBeGreaterThan(0);
    // Jobs the dead worker held: attempted, not finished (pg-boss still shows them active).
    const held = await api.runtime.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM engagement_queue.job WHERE name IN ('writeback-hubspot', 'writeback-salesforce') AND state = 'active'`,
    );
    expect(held.rows[0]!.n).toBeGreaterThan(0);

    const second = startWorkerProcess(env);
    children.push(second);
    await eventually(async () => (await states()).every((s) => s.status === 'WRITTEN'), 60_000, 200);
    second.kill('SIGTERM');
    await once(second, 'exit');

    const calls = [...sim.portal.store.tables.calls.rows.values()];
    for (const key of keys) expect(calls.filter((c) => c.props.dialplane_key === key)).toHaveLength(1);
    // The held jobs were re-run after expiry: some outcomes took a second attempt.
    expect((await states()).some((s) => s.attempts >= 2)).toBe(true);
  }, 150_000);
});
