import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformName } from '../../platforms/core/types.js';
import * as payloads from '../../sim/platforms/payloads.js';
import type { SimCall } from '../../sim/platforms/payloads.js';
import { CONTEXTS, startAdapterHarness, type AdapterHarness } from './support.js';

/**
 * Every platform adapter over HTTP with the platform's own signature, against a recording core:
 * fixtures from the platforms' docs (sim/platforms/payloads.ts), good / bad / stale signatures,
 * malformed payloads (400, the core never called), and the call-start answer for an allowed, a
 * denied, an unknown and an unavailable (CRM outage) context in the platform's own shape.
 */

let h: AdapterHarness;
beforeAll(async () => {
  h = await startAdapterHarness();
});
afterAll(() => h?.service.close());
beforeEach(() => {
  h.core.context = CONTEXTS.allowed;
  h.core.failEndOfCall = false;
  for (const list of Object.values(h.core.calls)) list.length = 0;
});

const call = (id: string): SimCall => ({
  callId: id,
  customer: '+14155550100',
  agentNumber: '+14155559999',
  startedAtMs: Date.parse('2026-12-01T17:00:00Z'),
  endedAtMs: Date.parse('2026-12-01T17:01:35Z'),
  customerSays: ['Hi, yes.', 'Please stop calling me.'],
  summary: 'Asked not to be called.',
});

type Body = Record<string, any>;
interface Case {
  name: PlatformName;
  start?: { hook: string; body: (c: SimCall) => object; answer: (kind: keyof typeof CONTEXTS, body: Body) => void };
  end: { hook: string; body: (c: SimCall) => object; okStatus: number; disposition: string };
  malformed: { hook: string; body: object };
  /** The platform signs a timestamp: stale requests are refused. */
  replayWindow: boolean;
}

const vars = (body: Body | undefined) => body as Record<string, string>;

const CASES: Case[] = [
  {
    name: 'vapi',
    start: {
      hook: 'events',
      body: (c) => payloads.vapi.assistantRequest(c),
      answer: (kind, body) => {
        if (kind === 'allowed') {
          expect(body).toMatchObject({
            assistantId: 'asst-sim',
            assistantOverrides: {
              variableValues: { dialplane_call_allowed: 'true', dialplane_contact_name: 'Dana Whitfield' },
            },
          });
        } else {
          // Vapi speaks `error` to the caller and ends the call.
          expect(body.assistantId).toBeUndefined();
          expect(body.error).toContain(CONTEXTS[kind].permission.reasons[0]);
        }
      },
    },
    end: { hook: 'events', body: (c) => payloads.vapi.endOfCallReport(c), okStatus: 200, disposition: 'CONNECTED' },
    malformed: { hook: 'events', body: { message: { type: 'end-of-call-report', call: { id: 'vapi-bad' } } } },
    replayWindow: true,
  },
  {
    name: 'retell',
    start: {
      hook: 'inbound',
      body: (c) => payloads.retell.inbound(c),
      answer: (kind, body) => {
        const v = vars(body.call_inbound.dynamic_variables);
        expect(v.dialplane_call_allowed).toBe(String(kind === 'allowed'));
        expect(v.dialplane_contact_status).toBe(CONTEXTS[kind].contactStatus);
        expect(v.dialplane_deny_reasons).toBe(CONTEXTS[kind].permission.reasons.join(','));
        expect(Object.values(v).every((x) => typeof x === 'string')).toBe(true);
        // A denied call goes to the agent that only explains and ends the call (RETELL_DENIED_AGENT_ID).
        expect(body.call_inbound.override_agent_id).toBe(kind === 'allowed' ? undefined : 'agent-denied');
      },
    },
    end: { hook: 'events', body: (c) => payloads.retell.callEnded(c), okStatus: 204, disposition: 'CONNECTED' },
    malformed: { hook: 'events', body: { event: 'call_ended', call: { from_number: '+14155550100' } } },
    replayWindow: true,
  },
  {
    name: 'telnyx',
    start: {
      hook: 'dynamic-variables',
      body: (c) => payloads.telnyx.initialization(c),
      answer: (kind, body) => {
        // Telnyx ignores a flat object: the variables must sit under dynamic_variables.
        expect(Object.keys(body)).toEqual(['dynamic_variables']);
        expect(body.dynamic_variables.dialplane_call_allowed).toBe(String(kind === 'allowed'));
        expect(body.dynamic_variables.dialplane_context_stale).toBe(String(kind === 'unavailable'));
      },
    },
    end: { hook: 'events', body: (c) => payloads.telnyx.hangup(c), okStatus: 200, disposition: 'CONNECTED' },
    malformed: {
      hook: 'events',
      body: { data: { event_type: 'call.hangup', id: 'evt', payload: { hangup_cause: 'normal_clearing' } } },
    },
    replayWindow: true,
  },
  {
    name: 'twilio',
    end: {
      hook: 'status',
      body: (c) => payloads.twilio.status({ ...c, callId: 'CA0123456789abcdef0123456789abcdef' }, 'completed'),
      okStatus: 204,
      disposition: 'CONNECTED',
    },
    malformed: { hook: 'status', body: { CallSid: 'not-a-sid', CallStatus: 'completed' } },
    replayWindow: false,
  },
  {
    name: 'bland',
    start: {
      hook: 'dynamic-data',
      body: (c) => payloads.bland.dynamicData(c),
      answer: (kind, body) => {
        expect(body.dialplane_call_allowed).toBe(String(kind === 'allowed'));
        expect(body.dialplane_contact_status).toBe(CONTEXTS[kind].contactStatus);
      },
    },
    end: { hook: 'webhook', body: (c) => payloads.bland.postCall(c), okStatus: 200, disposition: 'CONNECTED' },
    malformed: { hook: 'webhook', body: { to: '+14155550100', call_length: 'long' } },
    replayWindow: false,
  },
  {
    name: 'synthflow',
    start: {
      hook: 'inbound',
      body: (c) => payloads.synthflow.inbound(c),
      answer: (kind, body) => {
        if (kind === 'allowed') {
          expect(body.call_inbound).toMatchObject({
            override_model_id: '',
            custom_variables: { dialplane_call_allowed: 'true' },
          });
        } else {
          // An empty call_inbound is Synthflow's documented "disconnect".
          expect(body.call_inbound).toEqual({});
          expect(body.dialplane.reasons).toEqual(CONTEXTS[kind].permission.reasons);
        }
      },
    },
    end: { hook: 'webhook', body: (c) => payloads.synthflow.postCall(c), okStatus: 200, disposition: 'CONNECTED' },
    malformed: { hook: 'webhook', body: { call: { duration: 12 } } },
    replayWindow: false,
  },
];

describe.each(CASES)('$name', (p) => {
  it('accepts a correctly signed end-of-call event and maps it to one canonical outcome', async () => {
    const res = await h.client.send(p.name, p.end.hook, p.end.body(call(`${p.name}-good`)) as Record<string, unknown>);
    expect(res.status).toBe(p.end.okStatus);
    expect(h.core.calls.endOfCall).toHaveLength(1);
    const event = h.core.calls.endOfCall[0]!;
    expect(event).toMatchObject({ platform: p.name, customerPhone: '+14155550100', disposition: p.end.disposition });
    expect(Date.parse(event.endedAt)).toBeGreaterThan(0);
  });

  it('refuses a bad signature (401) and an unsigned request without touching anything', async () => {
    for (const signing of ['bad', 'none'] as const) {
      const res = await h.client.send(
        p.name,
        p.end.hook,
        p.end.body(call(`${p.name}-bad`)) as Record<string, unknown>,
        signing,
      );
      expect(res.status).toBe(401);
      expect((res.body as Body).error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(h.core.total()).toBe(0);
  });

  it(
    p.replayWindow
      ? 'refuses a signature older than the 5-minute replay window'
      : 'has no signed timestamp (documented): a replay is caught by the call-id idempotency',
    async () => {
      const res = await h.client.send(
        p.name,
        p.end.hook,
        p.end.body(call(`${p.name}-stale`)) as Record<string, unknown>,
        'stale',
      );
      if (p.replayWindow) {
        expect(res.status).toBe(401);
        expect(h.core.total()).toBe(0);
      } else {
        expect(res.status).toBe(p.end.okStatus);
      }
    },
  );

  it('answers 400 to a signed but malformed payload, and nothing reaches the core', async () => {
    const res = await h.client.send(p.name, p.malformed.hook, p.malformed.body as Record<string, unknown>);
    expect(res.status).toBe(400);
    expect((res.body as Body).error.code).toBe('BAD_USER_INPUT');
    const notJson = await fetch(`${h.service.url}/platforms/${p.name}/${p.end.hook}`, {
      method: 'POST',
      body: '{not json',
    });
    expect(notJson.status).toBe(401); // unsigned garbage is refused before it is read
    expect(h.core.total()).toBe(0);
  });

  it('does not acknowledge an end-of-call event it could not make durable (503: the platform retries)', async () => {
    h.core.failEndOfCall = true;
    const res = await h.client.send(p.name, p.end.hook, p.end.body(call(`${p.name}-down`)) as Record<string, unknown>);
    expect(res.status).toBe(503);
  });

  if (p.start) {
    const start = p.start;
    it.each(['allowed', 'denied', 'unknown', 'unavailable'] as const)(
      'answers call start for a %s context in the platform shape',
      async (kind) => {
        h.core.context = CONTEXTS[kind];
        const res = await h.client.send(
          p.name,
          start.hook,
          start.body(call(`${p.name}-start-${kind}`)) as Record<string, unknown>,
        );
        expect(res.status).toBe(200);
        expect(h.core.calls.callStart).toHaveLength(1);
        expect(h.core.calls.callStart[0]).toMatchObject({ platform: p.name, customerPhone: '+14155550100' });
        start.answer(kind, res.body as Body);
      },
    );
  }
});

describe('platform specifics', () => {
  it('vapi: tool-calls become canonical tools and answer results by toolCallId; a final user transcript is scanned', async () => {
    const c = call('vapi-tools');
    const res = await h.client.send(
      'vapi',
      'events',
      payloads.vapi.toolCalls(c, [
        { id: 't1', name: 'check_permission', arguments: { purpose: 'INFORMATIONAL' } },
        { id: 't2', name: 'schedule_callback', arguments: { at: '2026-12-08T17:00:00Z' } },
      ]),
    );
    expect(res.status).toBe(200);
    expect((res.body as Body).results.map((r: Body) => r.toolCallId)).toEqual(['t1', 't2']);
    expect(JSON.parse((res.body as Body).results[0].result)).toMatchObject({ ok: true });
    expect(h.core.calls.tool.map((t) => t.tool)).toEqual([
      { tool: 'check_permission', purpose: 'INFORMATIONAL' },
      { tool: 'schedule_callback', at: '2026-12-08T17:00:00Z' },
    ]);
    const bad = await h.client.send(
      'vapi',
      'events',
      payloads.vapi.toolCalls(c, [{ id: 't3', name: 'launch_rockets', arguments: {} }]),
    );
    expect(bad.status).toBe(400);
    await h.client.send('vapi', 'events', payloads.vapi.transcript(c, 'Please stop calling me.'));
    expect(h.core.calls.transcript).toEqual([
      {
        call: { platform: 'vapi', callId: 'vapi-tools', customerPhone: '+14155550100' },
        text: 'Please stop calling me.',
      },
    ]);
  });

  it('vapi: only the customer lines of the end-of-call transcript are kept (the agent offers the opt-out itself)', async () => {
    await h.client.send('vapi', 'events', payloads.vapi.endOfCallReport(call('vapi-transcript')));
    expect(h.core.calls.endOfCall[0]!.transcript).toBe('Hi, yes.\nPlease stop calling me.');
    await h.client.send('vapi', 'events', payloads.vapi.endOfCallReport(call('vapi-vm'), 'voicemail'));
    expect(h.core.calls.endOfCall[1]!.disposition).toBe('VOICEMAIL');
  });

  it('retell: custom functions, transcript_updated with the customer turns only, and both end events reach the core', async () => {
    const c = call('retell-flow');
    const fn = await h.client.send('retell', 'functions', payloads.retell.functionCall(c, 'record_opt_out', {}));
    expect(fn.status).toBe(200);
    expect(h.core.calls.tool[0]!.tool).toEqual({ tool: 'record_opt_out' });
    await h.client.send('retell', 'events', payloads.retell.transcriptUpdated(c));
    expect(h.core.calls.transcript[0]!.text).toBe('Hi, yes.\nPlease stop calling me.');
    await h.client.send('retell', 'events', payloads.retell.callAnalyzed(c));
    await h.client.send('retell', 'events', payloads.retell.callEnded(c, 'dial_no_answer'));
    expect(h.core.calls.endOfCall.map((e) => [e.callId, e.summary ?? null])).toEqual([
      ['retell-flow', 'Asked not to be called.'],
      ['retell-flow', null],
    ]);
    expect(h.core.calls.endOfCall[1]!.disposition).toBe('NO_ANSWER');
    const other = await h.client.send('retell', 'events', { event: 'call_started', call: { call_id: 'x' } });
    expect(other.status).toBe(204);
  });

  it('telnyx: call.conversation.ended and call.hangup of one call carry the same call id; hangup causes map', async () => {
    const c = call('v3:telnyx-flow');
    await h.client.send('telnyx', 'events', payloads.telnyx.conversationEnded(c));
    await h.client.send('telnyx', 'events', payloads.telnyx.hangup(c, 'user_busy'));
    expect(h.core.calls.endOfCall.map((e) => [e.callId, e.disposition])).toEqual([
      ['v3:telnyx-flow', 'CONNECTED'],
      ['v3:telnyx-flow', 'BUSY'],
    ]);
    const ignored = await h.client.send('telnyx', 'events', {
      data: { event_type: 'call.answered', id: 'e', payload: {} },
    });
    expect(ignored.status).toBe(200);
    expect(h.core.calls.endOfCall).toHaveLength(2);
  });

  it('twilio: intermediate statuses are acknowledged without an outcome', async () => {
    const res = await h.client.send(
      'twilio',
      'status',
      payloads.twilio.status({ ...call('x'), callId: 'CA0123456789abcdef0123456789abcdef' }, 'ringing'),
    );
    expect(res.status).toBe(204);
    expect(h.core.total()).toBe(0);
  });
});
