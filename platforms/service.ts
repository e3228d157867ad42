import { createLogger, type Logger } from '../shared/logger.js';
import type { PlatformAdapter } from './core/adapter.js';
import type { PlatformsConfig } from './core/config.js';
import { createPlatformCore } from './core/core.js';
import { createGatewayClient } from './core/gateway-client.js';
import { startPlatformsServer, type RunningPlatformsServer } from './core/server.js';
import type { PlatformCore } from './core/types.js';
import { blandAdapter } from './bland/index.js';
import { retellAdapter } from './retell/index.js';
import { synthflowAdapter } from './synthflow/index.js';
import { telnyxAdapter } from './telnyx/index.js';
import { twilioAdapter } from './twilio/index.js';
import { vapiAdapter } from './vapi/index.js';

/**
 * The voice-platforms service: every platform adapter over one shared core, served on its own
 * port (default 4005) as a client of the gateway. Its own small service rather than routes on the
 * engagement subgraph because it needs the whole graph (contacts from every CRM, consent, outcomes)
 * and the gateway is where that graph is: engagement calling the gateway would make the
 * gateway → engagement → gateway loop, and a subgraph would have to re-implement the fan-out.
 */

export function platformAdapters(
  config: Pick<PlatformsConfig, 'secrets' | 'vapiAssistantId' | 'retellDeniedAgentId'>,
): PlatformAdapter[] {
  const s = config.secrets;
  return [
    vapiAdapter({ secret: s.vapiHmacSecret, assistantId: config.vapiAssistantId }),
    retellAdapter({ apiKey: s.retellApiKey, deniedAgentId: config.retellDeniedAgentId }),
    telnyxAdapter({ publicKey: s.telnyxPublicKey }),
    twilioAdapter({ authToken: s.twilioAuthToken }),
    blandAdapter({ webhookSecret: s.blandWebhookSecret, dynamicDataToken: s.blandDynamicDataToken }),
    synthflowAdapter({ secret: s.synthflowWebhookSecret }),
  ];
}

export interface PlatformsServiceOptions {
  log?: Logger;
  /** Replace the core (adapter tests); default: the real core over the gateway. */
  core?: PlatformCore;
  now?: () => number;
}

export interface RunningPlatformsService extends RunningPlatformsServer {
  core: PlatformCore;
}

export async function startPlatformsService(
  config: PlatformsConfig,
  options: PlatformsServiceOptions = {},
): Promise<RunningPlatformsService> {
  const log = options.log ?? createLogger('platforms', { level: config.logLevel });
  const core = options.core ?? createPlatformCore({ config, gateway: createGatewayClient(config), log });
  const server = await startPlatformsServer({
    port: config.port,
    host: config.bindHost,
    tls: config.tls,
    adapters: platformAdapters(config),
    core,
    log,
    publicUrl: config.publicUrl,
    now: options.now,
  });
  return { ...server, core };
}
