import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { crmKeyOf } from '../../shared/crm/writer.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { signCallEnded, verifyCallEnded } from '../../subgraphs/engagement/intake/webhooks.js';
import { eventually } from '../support/eventually.js';
import { WEBHOOK_SECRET, outcome, postCallEnded, quietLog, recordingConsent, testConfig } from './helpers.js';

// POST /webhooks/call-ended over real HTTP: signature and replay window checked on the raw bytes,
// 202 with the receipt, idempotent by event id; nothing stored for a refused request.

let sim: HubspotSim;
let engagement: RunningEngagementSubgraph;
let baseUrl: string;

beforeAll(async () => {
  sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
  engagement = await startEngagementSubgraph(testConfig({ hubspotUrl: sim.url }), {
    log: quietLog,
    consent: recordingConsent(),
  });
  baseUrl = engagement.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await engagement?.close();
  await sim?.close();
});

const countOutcomes = async () =>
  (await engagement.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM engagement.call_outcome')).rows[0]!
    .n;

function event(extra: Record<string, unknown> = {}) {
  const { idempotencyKey: _drop, ...rest } = outcome('hubspot:103', { disposition: 'BUSY', intentStage: null });
  return { eventId: `evt-${randomUUID()}`, type: 'call.ended', outcome: { ...rest, ...extra } };
}

describe('POST /webhooks/call-ended', () => {
  it('writes once when the same event is delivered three times', async () => {
    const body = event();
    const raw = JSON.stringify(body);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await postCallEnded(baseUrl, raw));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const ids = new Set(answers.map((a) => a.body!.id));
    expect(ids.size).toBe(1);
    expect(answers.map((a) => a.body!.duplicate)).toEqual([false, true, true]);
    const id = answers[0]!.body!.id as string;
    await eventually(async () => (await engagement.runtime.store.getWriteBack(id))?.status === 'WRITTEN');
    const key = crmKeyOf(`call-ended:${body.eventId}`);
    const calls = [...sim.portal.store.tables.calls.rows.values()].filter((c) => c.props.dialplane_key === key);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.props.hs_call_status).toBe('BUSY');
  });

  it('is idempotent by event id even when a redelivery is re-serialized', async () => {
    const body = event();
    const first = await postCallEnded(baseUrl, body);
    const reordered = { outcome: body.outcome, type: body.type, eventId: body.eventId };
    const second = await postCallEnded(baseUrl, JSON.stringify(reordered, null, 2));
    expect(second.status).toBe(202);
    expect(second.body!.id).toBe(first.body!.id);
  });

  it('refuses a bad signature, a stale timestamp and a missing signature with 401, storing nothing', async () => {
    const before = await countOutcomes();
    const body = JSON.stringify(event());
    expect((await postCallEnded(baseUrl, body, { secret: 'wrong-secret-wrong-secret' })).status).toBe(401);
    const tampered = await postCallEnded(baseUrl, body, {
      signature: signCallEnded(WEBHOOK_SECRET, Date.now(), body.replace('BUSY', 'CONNECTED')),
    });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ error: { code: 'WEBHOOK_SIGNATURE_INVALID' } });
    const stale = Date.now() - 6 * 60_000;
    expect((await postCallEnded(baseUrl, body, { timestamp: stale })).status).toBe(401);
    expect((await postCallEnded(baseUrl, body, { signature: '' })).status).toBe(401);
    expect(await countOutcomes()).toBe(before);
  });

  it('refuses malformed payloads with 400 naming the problem, storing nothing', async () => {
    const before = await countOutcomes();
    const notJson = await postCallEnded(baseUrl, '{"eventId": "x", ');
    expect(notJson.status).toBe(400);
    const noEvent = await postCallEnded(baseUrl, { outcome: event().outcome });
    expect(noEvent.status).toBe(400);
    const badOutcome = await postCallEnded(baseUrl, event({ disposition: 'HUNG_UP_ANGRILY' }));
    expect(badOutcome.status).toBe(400);
    expect(JSON.stringify(badOutcome.body)).toContain('outcome.disposition');
    expect(await countOutcomes()).toBe(before);
  });

  it('verifies signatures over the raw bytes with a 5-minute window and accepts rotated secrets', () => {
    const raw = Buffer.from('{"a":1}');
    const now = Date.now();
    const good = signCallEnded('secret-one-secret-one', now, raw);
    expect(verifyCallEnded('secret-one-secret-one', String(now), good, raw, now)).toBe(true);
    expect(verifyCallEnded('secret-one-secret-one', String(now), `v1=${'0'.repeat(64)}, ${good}`, raw, now)).toBe(true);
    expect(verifyCallEnded('secret-one-secret-one', String(now), good, Buffer.from('{"a":2}'), now)).toBe(false);
    expect(verifyCallEnded('secret-one-secret-one', String(now), good, raw, now + 5 * 60_000 + 1)).toBe(false);
    expect(verifyCallEnded('secret-one-secret-one', String(now), good, raw, now - 5 * 60_000 - 1)).toBe(false);
  });
});
