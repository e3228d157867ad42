import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { crmKeyOf } from '../../shared/crm/writer.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';
import { eventually } from '../support/eventually.js';
import { RECORD, gql, outcome, postCallEnded, recordingConsent, testConfig } from './helpers.js';

// A HubSpot outage (simulator knob) on the real PostgreSQL server: every receipt returns at once,
// readiness turns unhealthy once the oldest pending write-back passes the bound (2 s here, by
// configuration), the write-back breaker pauses the fleet, and when the CRM is back every outcome
// is written exactly once. The outage lasts until the breaker has paused, not a fixed time.

describeWithPostgres('engagement write-back through a CRM outage', () => {
  let sim: HubspotSim;
  let engagement: RunningEngagementSubgraph;
  let database: { url: string; drop: () => Promise<void> };
  let baseUrl: string;
  // Everything the service logs, to check the alert and that no personal data is logged.
  const lines: { level: number; msg: string }[] = [];
  const rawLines: string[] = [];
  const log = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        rawLines.push(line);
        lines.push(JSON.parse(line));
      },
    },
  );

  beforeAll(async () => {
    database = await createTestDatabase('eng_outage');
    sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    const config = testConfig({ hubspotUrl: sim.url, databaseUrl: database.url });
    config.policy = { ...config.policy, maxAttempts: 25, pendingAlertMs: 2_000 };
    engagement = await startEngagementSubgraph(config, { log, consent: recordingConsent(), alertIntervalMs: 250 });
    baseUrl = engagement.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await engagement?.close();
    await sim?.close();
    await database?.drop();
  });

  it('acknowledges during the outage and writes every outcome exactly once after it', async () => {
    await sim.admin.setFaults({ outage: true });
    const keys: string[] = [];
    const ids: string[] = [];
    const contacts = ['101', '102', '103', '104', '105', '107'];
    for (let i = 0; i < 12; i++) {
      const input = outcome(`hubspot:${contacts[i % contacts.length]}`, { intentStage: i % 2 ? 'ENGAGED' : null });
      const started = performance.now();
      const res = await gql<{ recordCallOutcome: { id: string; status: string } }>(engagement.url, RECORD, { input });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(res.data!.recordCallOutcome.status).toBe('QUEUED');
      ids.push(res.data!.recordCallOutcome.id);
      keys.push(crmKeyOf(input.idempotencyKey as string));
    }
    // Eight concurrent deliveries of one key (real concurrent transactions on PostgreSQL): one outcome.
    const dup = outcome('hubspot:103');
    const racers = await Promise.all(
      Array.from({ length: 8 }, () =>
        gql<{ recordCallOutcome: { id: string; duplicate: boolean } }>(engagement.url, RECORD, { input: dup }),
      ),
    );
    expect(racers.every((r) => !r.errors)).toBe(true);
    expect(new Set(racers.map((r) => r.data!.recordCallOutcome.id)).size).toBe(1);
    expect(racers.filter((r) => !r.data!.recordCallOutcome.duplicate)).toHaveLength(1);
    ids.push(racers[0]!.data!.recordCallOutcome.id);
    keys.push(crmKeyOf(dup.idempotencyKey as string));
    for (let i = 0; i < 4; i++) {
      const { idempotencyKey: _k, ...rest } = outcome('hubspot:104', { disposition: 'NO_ANSWER' });
      const eventId = `evt-outage-${i}-${Date.now()}`;
      const res = await postCallEnded(baseUrl, { eventId, outcome: rest });
      expect(res.status).toBe(202);
      ids.push(res.body!.id as string);
      keys.push(crmKeyOf(`call-ended:${eventId}`));
    }

    // Past the 2 s bound: not ready, with the numbers an operator needs.
    const notReady = await eventually(
      async () => {
        const res = await fetch(`${baseUrl}/readyz`);
        return res.status === 503 ? ((await res.json()) as Record<string, number>) : null;
      },
      20_000,
      500,
    );
    expect(notReady.pending).toBe(17);
    expect(notReady.oldestPendingAgeMs).toBeGreaterThan(2_000);
    // The pipeline alert: an error-level line while the oldest pending write-back is past the bound.
    await eventually(
      async () => lines.some((l) => l.level === 50 && /oldest pending write-back older than the bound/.test(l.msg)),
      5_000,
    );
    const failing = await engagement.runtime.store.getWriteBack(ids[0]!);
    expect(failing).toMatchObject({
      status: 'RETRYING',
      lastErrorCode: expect.stringMatching(/HTTP_503|SERVICE_UNAVAILABLE|INTERNAL/),
    });
    expect(failing!.attempts).toBeGreaterThanOrEqual(1);
    // Between attempts a write-back shows when the next one is due (null while one is running).
    const during = await Promise.all(ids.map((id) => engagement.runtime.store.getWriteBack(id)));
    expect(during.some((s) => s!.status === 'RETRYING' && s!.nextAttemptAt !== null)).toBe(true);

    // The CRM stays down until the consecutive failures have paused the fleet.
    await eventually(
      () => lines.some((l) => l.level === 40 && l.msg === 'CRM unavailable: write-backs paused'),
      30_000,
    );
    await sim.admin.setFaults({ outage: false });

    await eventually(
      async () => {
        const states = await Promise.all(ids.map((id) => engagement.runtime.store.getWriteBack(id)));
        return states.every((s) => s?.status === 'WRITTEN');
      },
      20_000,
      250,
    );
    // The breaker paused the fleet while HubSpot was down: few attempts were spent on it.
    const finalStates = await Promise.all(ids.map((id) => engagement.runtime.store.getWriteBack(id)));
    expect(Math.max(...finalStates.map((s) => s!.attempts))).toBeLessThanOrEqual(8);
    const calls = [...sim.portal.store.tables.calls.rows.values()];
    for (const key of keys) expect(calls.filter((c) => c.props.dialplane_key === key)).toHaveLength(1);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);

    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/dialplane_writeback_failures_total\{[^}]*crm="hubspot"[^}]*\} \d+/);
    expect(metrics).toMatch(/dialplane_writeback_attempts_total\{[^}]*result="written"[^}]*\} 17/);
    expect(metrics).toMatch(/dialplane_writeback_dead_letter_count\{[^}]*\} 0/);
    // Logs carry ids and codes only: no summary text, no phone numbers.
    expect(rawLines.length).toBeGreaterThan(20);
    expect(rawLines.join('\n')).not.toMatch(/Talked about the renewal|\+1\d{10}/);
  }, 70_000);
});
