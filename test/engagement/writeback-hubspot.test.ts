import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { crmKeyOf } from '../../shared/crm/writer.js';
import { eventually } from '../support/eventually.js';
import { RECORD, WRITE_BACK, gql, outcome, quietLog, recordingConsent, testConfig } from './helpers.js';

// The whole path on embedded PGlite: GraphQL receipt -> pg-boss job -> worker -> HubSpot simulator
// (the official client over real HTTP), and the state the API reports along the way.

let sim: HubspotSim;
let engagement: RunningEngagementSubgraph;
const consent = recordingConsent();

beforeAll(async () => {
  sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
  engagement = await startEngagementSubgraph(testConfig({ hubspotUrl: sim.url }), {
    log: quietLog,
    consent,
    maintenanceIntervalSeconds: 1,
  });
});
afterAll(async () => {
  await engagement?.close();
  await sim?.close();
});
beforeEach(async () => {
  await sim.admin.setFaults({ errorRate: 0, hangRate: 0, outage: false });
  consent.down = false;
});

async function record(input: Record<string, unknown>) {
  const res = await gql<{ recordCallOutcome: { id: string; status: string; acceptedAt: string; duplicate: boolean } }>(
    engagement.url,
    RECORD,
    { input },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.recordCallOutcome;
}

async function writeBack(id: string) {
  const res = await gql<{ writeBack: Record<string, unknown> | null }>(engagement.url, WRITE_BACK, { id });
  return res.data!.writeBack;
}

const written = (id: string, timeoutMs = 20_000) =>
  eventually(async () => {
    const wb = await writeBack(id);
    return wb?.status === 'WRITTEN' ? wb : null;
  }, timeoutMs);

function callsWithKey(key: string) {
  return [...sim.portal.store.tables.calls.rows.values()].filter((c) => c.props.dialplane_key === key);
}

describe('engagement write-back to HubSpot (PGlite)', () => {
  it('answers QUEUED at once, then writes the call, its association and the contact update exactly once', async () => {
    const input = outcome('hubspot:101', { intentStage: 'ENGAGED' });
    const receipt = await record(input);
    expect(receipt.status).toBe('QUEUED');
    expect(receipt.duplicate).toBe(false);
    const wb = await written(receipt.id);
    expect(wb.attempts).toBe(1);
    const calls = callsWithKey(crmKeyOf(input.idempotencyKey as string));
    expect(calls).toHaveLength(1);
    expect(wb.crmRecordId).toBe(calls[0]!.id);
    expect(calls[0]!.props.hs_call_disposition).toBe('f240bbac-87c9-4f6e-bf70-924b57d47db7');
    expect([...sim.portal.store.associations.get('calls', calls[0]!.id, 'contacts')]).toEqual(['101']);
    expect(sim.portal.store.get('contacts', '101')!.props.hs_lead_status).toBe('IN_PROGRESS');
  });

  it('returns the first receipt for a repeated idempotency key and writes nothing new', async () => {
    const input = outcome('hubspot:104');
    const first = await record(input);
    const again = await record(input);
    expect(again).toEqual({ ...first, duplicate: true });
    await written(first.id);
    const third = await record(input);
    expect(third.id).toBe(first.id);
    expect(callsWithKey(crmKeyOf(input.idempotencyKey as string))).toHaveLength(1);
    const conflict = await gql(engagement.url, RECORD, { input: { ...input, disposition: 'BUSY' } });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('acknowledges while HubSpot hangs, shows the outcome meanwhile (read-your-writes), and writes once it recovers', async () => {
    await sim.admin.setFaults({ hangRate: 1 });
    const input = outcome('hubspot:105', {
      disposition: 'VOICEMAIL',
      intentStage: 'ATTEMPTING',
      summary: 'left a message',
    });
    const started = performance.now();
    const receipt = await record(input);
    // A hung CRM would hold any synchronous write for its full timeout (10 s); the receipt did not wait.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(receipt.status).toBe('QUEUED');

    const entities = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { id intentStage lastInteraction { at disposition callDisposition origin writeBackStatus outcomeId summary } } } }`;
    const rep = {
      __typename: 'Contact',
      id: 'hubspot:105',
      crmIntentStage: 'NEW',
      crmLastActivity: { at: '2024-01-01T00:00:00.000Z', summary: 'old call', disposition: 'No answer', type: 'CALL' },
    };
    const seen = await gql<{ _entities: Record<string, any>[] }>(engagement.url, entities, { reps: [rep] });
    expect(seen.errors).toBeUndefined();
    const contact = seen.data!._entities[0]!;
    expect(contact.intentStage).toBe('ATTEMPTING');
    expect(contact.lastInteraction).toMatchObject({
      origin: 'OUTCOME',
      callDisposition: 'VOICEMAIL',
      disposition: 'Left voicemail',
      outcomeId: receipt.id,
      summary: 'left a message',
    });
    expect(['QUEUED', 'RETRYING']).toContain(contact.lastInteraction.writeBackStatus);
    expect((await writeBack(receipt.id))!.status).not.toBe('WRITTEN');

    // A contact without outcomes keeps the CRM's values.
    const other = await gql<{ _entities: Record<string, any>[] }>(engagement.url, entities, {
      reps: [{ ...rep, id: 'hubspot:106' }],
    });
    expect(other.data!._entities[0]).toMatchObject({
      intentStage: 'NEW',
      lastInteraction: { origin: 'CRM', disposition: 'No answer' },
    });

    await sim.admin.setFaults({ hangRate: 0 });
    const wb = await written(receipt.id, 40_000);
    expect(callsWithKey(crmKeyOf(input.idempotencyKey as string))).toHaveLength(1);
    expect(wb.attempts).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('dead-letters a write-back that can never succeed, with its error, and replays it after the fix', async () => {
    const input = outcome('hubspot:9999');
    const receipt = await record(input);
    const dead = await eventually(async () => {
      const wb = await writeBack(receipt.id);
      return wb?.status === 'DEAD_LETTERED' ? wb : null;
    });
    expect(dead.lastErrorCode).toBe('VALIDATION_ERROR');
    expect(dead.lastError).toMatch(/calls.create/);
    expect(dead.attempts).toBe(1); // a permanent rejection is not retried
    const list = await gql<{ writeBacks: { nodes: { id: string }[] } }>(
      engagement.url,
      `{ writeBacks(status: DEAD_LETTERED) { nodes { id } } }`,
      {},
      ['admin'],
    );
    expect(list.data!.writeBacks.nodes.map((n) => n.id)).toContain(receipt.id);

    // Only admins replay.
    const denied = await gql(
      engagement.url,
      `mutation($ids: [ID!]) { replayWriteBacks(ids: $ids) { replayed } }`,
      { ids: [receipt.id] },
      ['agent'],
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // The cause is fixed: the contact exists again (restored in the CRM).
    sim.portal.store.tables.contacts.add({
      id: '9999',
      props: { firstname: 'Restored' },
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    const replay = await gql<{ replayWriteBacks: { replayed: number; ids: string[] } }>(
      engagement.url,
      `mutation($ids: [ID!]) { replayWriteBacks(ids: $ids) { replayed ids } }`,
      { ids: [receipt.id] },
      ['admin'],
    );
    expect(replay.data!.replayWriteBacks).toEqual({ replayed: 1, ids: [receipt.id] });
    const wb = await written(receipt.id);
    expect(wb.lastErrorCode).toBeNull();
    expect(callsWithKey(crmKeyOf(input.idempotencyKey as string))).toHaveLength(1);
  });

  it('puts an opt-out in the consent ledger before writing the CRM, retrying while consent is down', async () => {
    consent.down = true;
    const input = outcome('hubspot:107', {
      disposition: 'CONNECTED',
      summary: 'asked us to stop',
      transcript: 'please stop calling me',
      phone: '(415) 555-0100',
    });
    const receipt = await record(input);
    // The worker took the job and was held back by the ledger (not merely slow to start).
    const held = await eventually(async () => {
      const wb = await writeBack(receipt.id);
      return wb && (wb.attempts as number) >= 1 && wb.status !== 'QUEUED' ? wb : null;
    }, 20_000);
    expect(held).toMatchObject({ status: 'RETRYING', lastErrorCode: 'CONSENT_PENDING' });
    expect(callsWithKey(crmKeyOf(input.idempotencyKey as string))).toHaveLength(0);
    consent.down = false;
    await written(receipt.id, 30_000);
    expect(consent.calls.filter((c) => c.reference === `engagement:${receipt.id}`)).toEqual([
      expect.objectContaining({ phone: '+14155550100', channel: 'TRANSCRIPT' }),
    ]);
    expect(sim.portal.store.get('contacts', '107')!.props.dialplane_do_not_call).toBe('true');
  }, 45_000);

  it('answers concurrent duplicates with one receipt, and pages write-backs with a cursor', async () => {
    const input = outcome('hubspot:103');
    const receipts = await Promise.all(Array.from({ length: 5 }, () => record(input)));
    expect(new Set(receipts.map((r) => r.id)).size).toBe(1);
    expect(receipts.filter((r) => !r.duplicate)).toHaveLength(1);
    const rows = await engagement.runtime.db.query('SELECT 1 FROM engagement.call_outcome WHERE idempotency_key = $1', [
      input.idempotencyKey,
    ]);
    expect(rows.rows).toHaveLength(1);

    const page = `query($after: String) { writeBacks(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: {
        data?: {
          writeBacks: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
        };
      } = await gql(engagement.url, page, { after }, ['admin']);
      seen.push(...res.data!.writeBacks.nodes.map((n) => n.id));
      if (!res.data!.writeBacks.pageInfo.hasNextPage) break;
      after = res.data!.writeBacks.pageInfo.endCursor;
    }
    const total = await engagement.runtime.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM engagement.write_back',
    );
    expect(seen).toHaveLength(total.rows[0]!.n);
    expect(new Set(seen).size).toBe(seen.length);
    const bad = await gql(engagement.url, page, { after: 'not-a-cursor' }, ['admin']);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const agent = await gql(engagement.url, page, {}, ['agent']);
    expect(agent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('rejects invalid input with BAD_USER_INPUT naming the field, storing nothing', async () => {
    const before = await engagement.runtime.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM engagement.call_outcome',
    );
    for (const [input, field] of [
      [outcome('crm:1'), 'input.contactId'],
      [outcome('hubspot:101', { disposition: 'OPTED_OUT' }), 'input.phone'],
      [outcome('hubspot:101', { occurredAt: new Date(Date.now() + 3_600_000).toISOString() }), 'input.occurredAt'],
      [outcome('hubspot:101', { idempotencyKey: 'short' }), 'input.idempotencyKey'],
    ] as const) {
      const res = await gql(engagement.url, RECORD, { input });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const after = await engagement.runtime.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM engagement.call_outcome',
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
