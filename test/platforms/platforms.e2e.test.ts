import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { PLATFORM_NAMES } from '../../platforms/core/types.js';
import { startPlatformsService, type RunningPlatformsService } from '../../platforms/service.js';
import { playCall, simCall } from '../../sim/platforms/calls.js';
import { createPlatformClient, type PlatformClient } from '../../sim/platforms/client.js';
import * as payloads from '../../sim/platforms/payloads.js';
import { startStack, type Stack } from '../support/stack.js';
import { platformsConfigFor } from './support.js';

/**
 * The whole system in-process (CRM simulators, subgraphs with the write-back worker, gateway) and
 * the platforms service in front of it, driven by the platform simulator as each platform would.
 */

let stack: Stack;
let service: RunningPlatformsService;
let client: PlatformClient;
/** A second service with a tight call-start budget, for the hanging-CRM case. */
let tight: RunningPlatformsService;
let tightClient: PlatformClient;
let ws: Client;
const revocations: { phone: string; source: string; channel: string }[] = [];

const CALLER = '+18085550120'; // Salesforce demo contact (Hawaii)
const OPTING_OUT = '+18505550140'; // Salesforce demo contact
const DO_NOT_CALL = '+16025550110'; // Salesforce demo contact with DoNotCall = true
const UNKNOWN = '+442079460000'; // no CRM holds it
const DURING_OUTAGE = '+14165550130'; // never looked up before the outage test

async function gql<T>(query: string, variables: Record<string, unknown>, token = stack.tokens.admin): Promise<T> {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function soql<T>(q: string): Promise<T[]> {
  const sim = stack.sims.salesforce.url;
  const auth = await fetch(`${sim}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'dialplane-dev',
      client_secret: 'dev-salesforce-secret',
    }),
  });
  const { access_token } = (await auth.json()) as { access_token: string };
  const res = await fetch(`${sim}/services/data/v62.0/query?q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  const body = (await res.json()) as { records: T[] };
  if (!body.records) throw new Error(`SOQL failed: ${JSON.stringify(body)}`);
  return body.records;
}

/** The call Tasks in Salesforce whose notes name this platform call (engagement writes "Call <id> (…)"). */
async function activitiesOf(salesforceContactId: string, callId: string): Promise<number> {
  const tasks = await soql<{ Description: string | null }>(
    `SELECT Id, Description FROM Task WHERE WhoId = '${salesforceContactId}'`,
  );
  return tasks.filter((t) => t.Description?.includes(`Call ${callId} (`)).length;
}

async function salesforceIdOf(phone: string): Promise<string> {
  const data = await gql<{ contactsByPhone: { id: string }[] }>(
    'query($p: String!) { contactsByPhone(phone: $p) { id } }',
    { p: phone },
    stack.tokens.agent,
  );
  const id = data.contactsByPhone.find((c) => c.id.startsWith('salesforce:'))?.id;
  if (!id) throw new Error(`no Salesforce contact for ${phone}`);
  return id.slice('salesforce:'.length);
}

async function writeBackCount(): Promise<number> {
  const data = await gql<{ writeBacks: { nodes: unknown[] } }>('{ writeBacks(first: 500) { nodes { id } } }', {});
  return data.writeBacks.nodes.length;
}

beforeAll(async () => {
  stack = await startStack({ engagementWorker: true, contacts: 50 });
  const configWith = (budgetMs: number) =>
    platformsConfigFor(stack, { PLATFORMS_CALL_START_BUDGET_MS: String(budgetMs) });
  // Functional cases get a budget a loaded CI machine cannot miss; the outage case the tight one.
  const config = configWith(5_000);
  service = await startPlatformsService(config, { log: silentLogger });
  client = createPlatformClient({ baseUrl: service.url, secrets: config.secrets });
  tight = await startPlatformsService(configWith(300), { log: silentLogger });
  tightClient = createPlatformClient({ baseUrl: tight.url, secrets: config.secrets });
  ws = createClient({
    url: stack.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${stack.tokens.agent}` },
    retryAttempts: 0,
  });
  await new Promise<void>((resolve, reject) => {
    ws.subscribe<{ consentRevoked: { phone: string; source: string; channel: string } }>(
      {
        query: 'subscription($phones: [String!]) { consentRevoked(phones: $phones) { phone source channel } }',
        variables: { phones: [OPTING_OUT, DURING_OUTAGE] },
      },
      { next: (m) => revocations.push(m.data!.consentRevoked), error: reject, complete: () => undefined },
    );
    ws.on('connected', () => resolve());
  });
}, 180_000);

afterAll(async () => {
  await ws?.dispose();
  await service?.close();
  await tight?.close();
  await stack?.close();
});

describe('voice platforms end to end', () => {
  it.each(PLATFORM_NAMES)(
    '%s: a whole simulated call (duplicates, reordering, a bad signature) ends with exactly one CRM activity',
    async (platform) => {
      const contactId = await salesforceIdOf(CALLER);
      const call = simCall(platform, CALLER);
      const steps = await playCall(client, platform, call);
      const last = steps.at(-1)!;
      expect(last.step).toContain('bad signature');
      expect(last.response.status).toBe(401);
      for (const { step, response } of steps.slice(0, -1)) expect([step, response.status < 300]).toEqual([step, true]);
      await expect.poll(() => activitiesOf(contactId, call.callId), { timeout: 15_000, interval: 100 }).toBe(1);
    },
  );

  it('answers the orchestrator: liveness and readiness (ready while listening: it answers fail-closed without the gateway)', async () => {
    const live = await fetch(new URL('/healthz', service.url));
    expect(live.status).toBe(200);
    const ready = await fetch(new URL('/readyz', service.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', service: 'platforms' });
  });

  it('an opt-out said on a live call reaches a subscribed agent before the call ends, then the call writes one activity', async () => {
    const contactId = await salesforceIdOf(OPTING_OUT);
    const call = simCall('vapi', OPTING_OUT, { optOut: true });
    expect((await client.send('vapi', 'events', payloads.vapi.assistantRequest(call))).status).toBe(200);
    expect((await client.send('vapi', 'events', payloads.vapi.transcript(call, call.customerSays[1]!))).status).toBe(
      200,
    );
    // Durable before the answer: the revocation is already in the ledger and on its way to listeners.
    await expect
      .poll(() => revocations.filter((r) => r.source === 'platform:vapi'), { timeout: 5_000, interval: 20 })
      .toEqual([{ phone: OPTING_OUT, source: 'platform:vapi', channel: 'TRANSCRIPT' }]);
    expect((await client.send('vapi', 'events', payloads.vapi.endOfCallReport(call))).status).toBe(200);
    await expect.poll(() => activitiesOf(contactId, call.callId), { timeout: 15_000, interval: 100 }).toBe(1);
    const [contact] = await soql<{ DoNotCall: boolean }>(`SELECT DoNotCall FROM Contact WHERE Id = '${contactId}'`);
    expect(contact!.DoNotCall).toBe(true);
  });

  it('retell: an opt-out in transcript_updated and the record_opt_out function each revoke once', async () => {
    const call = simCall('retell', OPTING_OUT, { optOut: true });
    const fn = await client.send('retell', 'functions', payloads.retell.functionCall(call, 'record_opt_out', {}));
    expect(fn).toMatchObject({ status: 200, body: { ok: true } });
    await client.send('retell', 'events', payloads.retell.transcriptUpdated(call));
    await client.send('retell', 'events', payloads.retell.transcriptUpdated(call));
    await expect
      .poll(() => revocations.filter((r) => r.source === 'platform:retell').map((r) => r.channel), {
        timeout: 5_000,
        interval: 20,
      })
      .toEqual(['VOICE']);
  });

  it("a denied call answers the platform's way of not proceeding, with the reasons", async () => {
    const call = simCall('vapi', DO_NOT_CALL);
    const vapi = await client.send('vapi', 'events', payloads.vapi.assistantRequest(call));
    expect((vapi.body as { error: string }).error).toContain('CRM_DO_NOT_CALL');
    const synthflow = await client.send(
      'synthflow',
      'inbound',
      payloads.synthflow.inbound(simCall('synthflow', DO_NOT_CALL)),
    );
    expect(synthflow.body).toMatchObject({ call_inbound: {}, dialplane: { allowed: false } });
    expect((synthflow.body as { dialplane: { reasons: string[] } }).dialplane.reasons).toContain('CRM_DO_NOT_CALL');
  });

  it('an unknown number: context "unknown", permission decided on the number alone (fail closed), end of call writes nothing', async () => {
    const before = await writeBackCount();
    const call = simCall('telnyx', UNKNOWN);
    const start = await client.send('telnyx', 'dynamic-variables', payloads.telnyx.initialization(call));
    expect(start.body).toMatchObject({
      dynamic_variables: {
        dialplane_contact_status: 'unknown',
        dialplane_call_allowed: 'false',
        dialplane_context_stale: 'false',
      },
    });
    const end = await client.send('telnyx', 'events', payloads.telnyx.hangup(call));
    expect(end).toMatchObject({ status: 200, body: { result: 'no-contact' } });
    expect(await writeBackCount()).toBe(before);
  });

  it('a malformed end-of-call payload answers 400 and stores nothing', async () => {
    const before = await writeBackCount();
    const call = simCall('vapi', CALLER);
    const report = payloads.vapi.endOfCallReport(call) as { message: Record<string, unknown> };
    delete report.message.endedReason;
    const res = await client.send('vapi', 'events', report);
    expect(res.status).toBe(400);
    const future = payloads.retell.callEnded({ ...simCall('retell', CALLER), endedAtMs: Date.now() + 3_600_000 });
    expect((await client.send('retell', 'events', future)).status).toBe(400);
    expect(await writeBackCount()).toBe(before);
  });

  it('a hanging CRM: call start answers within 1 s marked unavailable and denied; an end of call is not acknowledged, but its opt-out reaches the ledger', async () => {
    await stack.sims.salesforce.admin.setFaults({ hangRate: 1 });
    try {
      const started = performance.now();
      const res = await tightClient.send(
        'telnyx',
        'dynamic-variables',
        payloads.telnyx.initialization(simCall('telnyx', DURING_OUTAGE)),
      );
      const elapsed = performance.now() - started;
      expect(res.body).toMatchObject({
        dynamic_variables: {
          dialplane_contact_status: 'unavailable',
          dialplane_context_stale: 'true',
          dialplane_call_allowed: 'false',
        },
      });
      expect(
        (res.body as { dynamic_variables: Record<string, string> }).dynamic_variables.dialplane_deny_reasons,
      ).toContain('COMPLIANCE_DATA_UNAVAILABLE');
      expect(elapsed).toBeLessThan(1_000);

      const end = await client.send(
        'bland',
        'webhook',
        payloads.bland.postCall(simCall('bland', DURING_OUTAGE, { optOut: true })),
      );
      expect(end.status).toBe(503);
      await expect
        .poll(() => revocations.filter((r) => r.phone === DURING_OUTAGE).map((r) => r.source), {
          timeout: 5_000,
          interval: 20,
        })
        .toEqual(['platform:bland']);
    } finally {
      await stack.sims.salesforce.admin.setFaults({ hangRate: 0 });
    }
  });
});
