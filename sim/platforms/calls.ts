import type { PlatformName } from '../../platforms/core/types.js';
import type { PlatformClient, SimResponse } from './client.js';
import * as payloads from './payloads.js';
import type { SimCall } from './payloads.js';

/**
 * One whole call as each platform plays it: call start → a tool call (where the platform has
 * tools) → a live transcript with the customer's words (an opt-out when asked) → the end-of-call
 * event, delivered twice (and, on Retell, call_analyzed before call_ended) → one request with a bad
 * signature, which must be refused.
 */

export interface SimStep {
  step: string;
  response: SimResponse;
}

export interface PlayOptions {
  /** The customer asks not to be called again (live on Vapi/Retell, in the transcript elsewhere). */
  optOut?: boolean;
  now?: () => number;
}

const OPT_OUT_WORDS = 'Please stop calling me and take me off your list.';

export function simCall(platform: PlatformName, customer: string, options: PlayOptions = {}): SimCall {
  const now = (options.now ?? Date.now)();
  const suffix = `${now.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const callId =
    platform === 'twilio'
      ? `CA${(now.toString(16) + Math.random().toString(16).slice(2)).padEnd(32, '0').slice(0, 32)}`
      : `${platform}-sim-${suffix}`;
  return {
    callId,
    customer,
    agentNumber: '+14155559999',
    startedAtMs: now - 95_000,
    endedAtMs: now - 1_000,
    customerSays: ['Hi, yes, this is me.', options.optOut ? OPT_OUT_WORDS : 'Sure, call me back next week.'],
    summary: options.optOut ? 'The caller asked not to be called again.' : 'The caller asked for a callback next week.',
  };
}

export async function playCall(client: PlatformClient, platform: PlatformName, call: SimCall): Promise<SimStep[]> {
  const steps: SimStep[] = [];
  const send = async (step: string, hook: string, body: Record<string, unknown>, signing: 'good' | 'bad' = 'good') => {
    steps.push({ step, response: await client.send(platform, hook, body, signing) });
  };
  const optOut = call.customerSays.some((s) => s === OPT_OUT_WORDS);
  switch (platform) {
    case 'vapi': {
      await send('assistant-request', 'events', payloads.vapi.assistantRequest(call));
      await send(
        'tool-calls check_permission',
        'events',
        payloads.vapi.toolCalls(call, [
          { id: 'tool-1', name: 'check_permission', arguments: { purpose: 'INFORMATIONAL' } },
        ]),
      );
      if (!optOut)
        await send(
          'tool-calls schedule_callback',
          'events',
          payloads.vapi.toolCalls(call, [
            {
              id: 'tool-2',
              name: 'schedule_callback',
              arguments: { at: new Date(call.endedAtMs + 7 * 86_400_000).toISOString() },
            },
          ]),
        );
      for (const said of call.customerSays) await send('transcript', 'events', payloads.vapi.transcript(call, said));
      await send('end-of-call-report', 'events', payloads.vapi.endOfCallReport(call));
      await send('end-of-call-report (duplicate)', 'events', payloads.vapi.endOfCallReport(call));
      await send('end-of-call-report (bad signature)', 'events', payloads.vapi.endOfCallReport(call), 'bad');
      break;
    }
    case 'retell': {
      await send('call_inbound', 'inbound', payloads.retell.inbound(call));
      await send(
        'function check_permission',
        'functions',
        payloads.retell.functionCall(call, 'check_permission', { purpose: 'INFORMATIONAL' }),
      );
      await send('transcript_updated', 'events', payloads.retell.transcriptUpdated(call));
      await send('call_analyzed (before call_ended)', 'events', payloads.retell.callAnalyzed(call));
      await send('call_ended', 'events', payloads.retell.callEnded(call));
      await send('call_ended (retry)', 'events', payloads.retell.callEnded(call));
      await send('call_ended (bad signature)', 'events', payloads.retell.callEnded(call), 'bad');
      break;
    }
    case 'telnyx': {
      await send('assistant.initialization', 'dynamic-variables', payloads.telnyx.initialization(call));
      await send('call.conversation.ended', 'events', payloads.telnyx.conversationEnded(call));
      await send('call.hangup', 'events', payloads.telnyx.hangup(call));
      await send('call.hangup (redelivered)', 'events', payloads.telnyx.hangup(call));
      await send('call.hangup (bad signature)', 'events', payloads.telnyx.hangup(call), 'bad');
      break;
    }
    case 'twilio': {
      await send('status ringing', 'status', payloads.twilio.status(call, 'ringing'));
      await send('status completed', 'status', payloads.twilio.status(call, 'completed'));
      await send('status completed (retry)', 'status', payloads.twilio.status(call, 'completed'));
      await send('status completed (bad signature)', 'status', payloads.twilio.status(call, 'completed'), 'bad');
      break;
    }
    case 'bland': {
      await send('dynamic_data', 'dynamic-data', payloads.bland.dynamicData(call));
      await send('post-call webhook', 'webhook', payloads.bland.postCall(call));
      await send('post-call webhook (resent)', 'webhook', payloads.bland.postCall(call));
      await send('post-call webhook (bad signature)', 'webhook', payloads.bland.postCall(call), 'bad');
      break;
    }
    case 'synthflow': {
      await send('call_inbound', 'inbound', payloads.synthflow.inbound(call));
      await send('post-call webhook', 'webhook', payloads.synthflow.postCall(call));
      await send('post-call webhook (retry)', 'webhook', payloads.synthflow.postCall(call));
      await send('post-call webhook (bad signature)', 'webhook', payloads.synthflow.postCall(call), 'bad');
      break;
    }
  }
  return steps;
}
