import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { SalesforceWriter } from '../../crm/salesforce/writer.js';
import { crmKeyOf } from '../../shared/crm/writer.js';
import { callOutcomeInput } from '../../subgraphs/engagement/intake/outcome.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { eventually } from '../support/eventually.js';
import { RECORD, WRITE_BACK, gql, outcome, quietLog, recordingConsent, testConfig } from './helpers.js';

// Salesforce through jsforce against the simulator: the call Task upserted by Dialplane_Key__c,
// the contact's DoNotCall on an opt-out, a follow-up Task, re-authentication on an expired
// session, REQUEST_LIMIT_EXCEEDED honored, a deleted contact dead-lettered.

let sim: SalesforceSim;
let engagement: RunningEngagementSubgraph;
let contactIds: string[];

async function soql<T>(q: string): Promise<T[]> {
  // A fresh token each time: one test expires every session on purpose.
  const auth = await fetch(`${sim.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'dialplane-dev',
      client_secret: 'dev-salesforce-secret',
    }),
  });
  const { access_token } = (await auth.json()) as { access_token: string };
  const res = await fetch(`${sim.url}/services/data/v62.0/query?q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  const body = (await res.json()) as { records: T[] };
  if (!body.records) throw new Error(`SOQL failed: ${JSON.stringify(body)}`);
  return body.records;
}

beforeAll(async () => {
  sim = await startSalesforceSim({ port: 0, contacts: 20, latency: { medianMs: 0, jitterMs: 0 } });
  contactIds = (await soql<{ Id: string }>('SELECT Id FROM Contact LIMIT 10')).map((r) => r.Id);
  engagement = await startEngagementSubgraph(testConfig({ salesforceUrl: sim.url }), {
    log: quietLog,
    consent: recordingConsent(),
  });
});
afterAll(async () => {
  await engagement?.close();
  await sim?.close();
});

async function record(input: Record<string, unknown>) {
  const res = await gql<{ recordCallOutcome: { id: string; status: string } }>(engagement.url, RECORD, { input });
  expect(res.errors).toBeUndefined();
  return res.data!.recordCallOutcome;
}
const settled = (id: string, status = 'WRITTEN', timeoutMs = 20_000) =>
  eventually(async () => {
    const res = await gql<{ writeBack: Record<string, any> }>(engagement.url, WRITE_BACK, { id });
    return res.data?.writeBack?.status === status ? res.data.writeBack : null;
  }, timeoutMs);
const tasksWithKey = (key: string) =>
  soql<Record<string, any>>(
    `SELECT Id, WhoId, Subject, CallDisposition, CallDurationInSeconds, Status, Description FROM Task WHERE Dialplane_Key__c = '${key}'`,
  );

describe('engagement write-back to Salesforce (PGlite)', () => {
  it('upserts the call Task by external id, flags DoNotCall on an opt-out and adds the follow-up', async () => {
    const input = outcome(`salesforce:${contactIds[0]}`, {
      disposition: 'OPTED_OUT',
      phone: '+1 415 555 0199',
      nextAction: 'CALL_BACK',
      nextActionAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const receipt = await record(input);
    const wb = await settled(receipt.id);
    const tasks = await tasksWithKey(crmKeyOf(input.idempotencyKey as string));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      WhoId: contactIds[0],
      CallDisposition: 'Connected - opted out',
      CallDurationInSeconds: 95,
      Status: 'Completed',
    });
    expect(wb.crmRecordId).toBe(tasks[0]!.Id);
    const [contact] = await soql<{ DoNotCall: boolean }>(`SELECT DoNotCall FROM Contact WHERE Id = '${contactIds[0]}'`);
    expect(contact!.DoNotCall).toBe(true);
    expect(await tasksWithKey(crmKeyOf(`${input.idempotencyKey}#next`))).toHaveLength(1);
  });

  it('writes the same outcome twice as one Task (a retry after a crash finds its own record)', async () => {
    const writer = new SalesforceWriter(testConfig({ salesforceUrl: sim.url }).crm.salesforce);
    const input = callOutcomeInput.parse(outcome(`salesforce:${contactIds[1]}`));
    const stored = {
      ...input,
      id: '00000000-0000-4000-8000-000000000001',
      contactId: input.contactId.id,
      crm: 'salesforce' as const,
      crmContactId: input.contactId.crmId,
      summary: 'x',
      intentStage: null,
      nextAction: null,
      nextActionAt: null,
      durationSeconds: 10,
      optOut: false,
      channel: 'graphql' as const,
      acceptedAt: new Date().toISOString(),
    };
    const a = await writer.write(stored, async () => {});
    const b = await writer.write({ ...stored, summary: 'x (retried)' }, async () => {});
    expect(b.crmRecordId).toBe(a.crmRecordId);
    const tasks = await tasksWithKey(crmKeyOf(input.idempotencyKey));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.Description).toContain('x (retried)');
    writer.close();
  });

  it('re-authenticates when the session expires', async () => {
    sim.expireSessions();
    const receipt = await record(outcome(`salesforce:${contactIds[2]}`));
    const wb = await settled(receipt.id);
    expect(wb.attempts).toBe(1);
  });

  it('honors REQUEST_LIMIT_EXCEEDED and still writes once', async () => {
    await sim.admin.setRateLimit({ enabled: true, limit: 100, windowMs: 10_000, failNext: 2 });
    const input = outcome(`salesforce:${contactIds[3]}`);
    const receipt = await record(input);
    const wb = await settled(receipt.id, 'WRITTEN', 30_000);
    await sim.admin.setRateLimit({ enabled: false, limit: 100, windowMs: 10_000 });
    expect(wb.attempts).toBe(1); // waited out inside the job, not spent as failed attempts
    const limited = (await sim.admin.requests()).filter((r) => r.status === 403);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(await tasksWithKey(crmKeyOf(input.idempotencyKey as string))).toHaveLength(1);
  }, 40_000);

  it('dead-letters an outcome for a deleted contact with the CRM error', async () => {
    const receipt = await record(outcome('salesforce:003000000000000AAA'));
    const wb = await settled(receipt.id, 'DEAD_LETTERED');
    expect(wb.lastErrorCode).toBe('INVALID_CROSS_REFERENCE_KEY');
    expect(wb.attempts).toBe(1);

    // Replay by filter: only the matching dead letters move; the contact is still gone, so it
    // dead-letters again after one fresh attempt.
    const replay = await gql<{ replayWriteBacks: { replayed: number; ids: string[] } }>(
      engagement.url,
      `mutation($f: WriteBackReplayFilter) { replayWriteBacks(filter: $f) { replayed ids } }`,
      { f: { crm: 'salesforce', errorCode: 'INVALID_CROSS_REFERENCE_KEY' } },
      ['admin'],
    );
    expect(replay.data!.replayWriteBacks).toEqual({ replayed: 1, ids: [receipt.id] });
    const again = await settled(receipt.id, 'DEAD_LETTERED');
    expect(again.attempts).toBe(1);
    const none = await gql<{ replayWriteBacks: { replayed: number } }>(
      engagement.url,
      `mutation($f: WriteBackReplayFilter) { replayWriteBacks(filter: $f) { replayed } }`,
      { f: { crm: 'hubspot' } },
      ['admin'],
    );
    expect(none.data!.replayWriteBacks.replayed).toBe(0);
  });
});
