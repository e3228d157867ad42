import { silentLogger } from '../../shared/logger.js';
import { loadConfig } from '../../shared/config.js';
import { platformsEnv, toPlatformsConfig, type PlatformsConfig } from '../../platforms/core/config.js';
import { startPlatformsService, type RunningPlatformsService } from '../../platforms/service.js';
import type {
  CallContext,
  CallRef,
  CallStartRequest,
  EndOfCall,
  PlatformCore,
  ToolCall,
} from '../../platforms/core/types.js';
import { createPlatformClient, type PlatformClient } from '../../sim/platforms/client.js';
import { STACK_JWT, type Stack } from '../support/stack.js';

/** The platforms service's configuration in front of a test stack's gateway, as its environment would give it. */
export function platformsConfigFor(stack: Stack, env: Record<string, string> = {}): PlatformsConfig {
  return toPlatformsConfig(
    loadConfig(platformsEnv, {
      ...stack.env,
      GATEWAY_URL: stack.gatewayUrl,
      JWT_SECRET: STACK_JWT.secret,
      JWT_ISSUER: STACK_JWT.issuer,
      JWT_AUDIENCE: STACK_JWT.audience,
      PLATFORMS_PORT: '0',
      ...env,
    }),
  );
}

/**
 * A platforms service over a recording core, for the adapter tests: what each platform's request
 * became (canonical), and what the platform got back for a chosen call-start context.
 */
export interface RecordingCore extends PlatformCore {
  calls: {
    callStart: CallStartRequest[];
    tool: { call: CallRef; tool: ToolCall }[];
    transcript: { call: CallRef; text: string }[];
    endOfCall: EndOfCall[];
  };
  /** The context the next call starts answer with. */
  context: CallContext;
  /** Makes endOfCall fail like an unreachable dependency. */
  failEndOfCall: boolean;
  total(): number;
}

export const CONTEXTS: Record<'allowed' | 'denied' | 'unknown' | 'unavailable', CallContext> = {
  allowed: {
    contactStatus: 'known',
    stale: false,
    contact: {
      id: 'salesforce:003000000000001AAA',
      name: 'Dana Whitfield',
      source: 'SALESFORCE',
      intentStage: 'OPPORTUNITY',
      lastInteraction: { at: '2026-11-30T16:00:00Z', summary: 'Asked for a quote', disposition: 'CONNECTED' },
    },
    permission: {
      allowed: true,
      reasons: [],
      decisionId: '6f1c1d1e-0000-4000-8000-000000000001',
      obligations: [{ code: 'AI_DISCLOSURE_REQUIRED', detail: 'Say you are an AI.' }],
      nextAllowedAt: null,
    },
    purpose: 'MARKETING',
    phone: '+14155550100',
  },
  denied: {
    contactStatus: 'known',
    stale: false,
    contact: {
      id: 'salesforce:003000000000002AAA',
      name: 'Lee Park',
      source: 'SALESFORCE',
      intentStage: null,
      lastInteraction: null,
    },
    permission: {
      allowed: false,
      reasons: ['CRM_DO_NOT_CALL', 'NO_CONSENT'],
      decisionId: '6f1c1d1e-0000-4000-8000-000000000002',
      obligations: [],
      nextAllowedAt: null,
    },
    purpose: 'MARKETING',
    phone: '+16025550110',
  },
  unknown: {
    contactStatus: 'unknown',
    stale: false,
    contact: null,
    permission: {
      allowed: false,
      reasons: ['NO_CONSENT'],
      decisionId: '6f1c1d1e-0000-4000-8000-000000000003',
      obligations: [],
      nextAllowedAt: null,
    },
    purpose: 'MARKETING',
    phone: '+12025550199',
  },
  unavailable: {
    contactStatus: 'unavailable',
    stale: true,
    contact: null,
    permission: {
      allowed: false,
      reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
      decisionId: null,
      obligations: [],
      nextAllowedAt: null,
    },
    purpose: 'MARKETING',
    phone: '+14155550100',
  },
};

export function recordingCore(): RecordingCore {
  const calls: RecordingCore['calls'] = { callStart: [], tool: [], transcript: [], endOfCall: [] };
  const core: RecordingCore = {
    calls,
    context: CONTEXTS.allowed,
    failEndOfCall: false,
    total: () => calls.callStart.length + calls.tool.length + calls.transcript.length + calls.endOfCall.length,
    async callStart(request) {
      calls.callStart.push(request);
      return core.context;
    },
    async tool(call, tool) {
      calls.tool.push({ call, tool });
      return { ok: true, message: `did ${tool.tool}`, data: { tool: tool.tool } };
    },
    async liveTranscript(call, text) {
      calls.transcript.push({ call, text });
      return /stop calling/i.test(text);
    },
    async endOfCall(event) {
      if (core.failEndOfCall) {
        const { DialplaneError, ErrorCode } = await import('../../shared/errors.js');
        throw new DialplaneError(ErrorCode.SUBGRAPH_UNAVAILABLE, 'gateway down');
      }
      calls.endOfCall.push(event);
      return { kind: 'recorded', outcomeId: 'outcome-1', duplicate: false };
    },
  };
  return core;
}

export interface AdapterHarness {
  service: RunningPlatformsService;
  core: RecordingCore;
  client: PlatformClient;
  config: PlatformsConfig;
}

export async function startAdapterHarness(): Promise<AdapterHarness> {
  const config = toPlatformsConfig(
    loadConfig(platformsEnv, {
      NODE_ENV: 'test',
      PLATFORMS_PORT: '0',
      VAPI_ASSISTANT_ID: 'asst-sim',
      RETELL_DENIED_AGENT_ID: 'agent-denied',
    }),
  );
  const core = recordingCore();
  const service = await startPlatformsService(config, { core, log: silentLogger });
  return { service, core, config, client: createPlatformClient({ baseUrl: service.url, secrets: config.secrets }) };
}
