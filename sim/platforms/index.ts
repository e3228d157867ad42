/**
 * `npm run sim:platforms -- [--platform=vapi|retell|telnyx|twilio|bland|synthflow|all]
 *   [--phone=+14155550100] [--opt-out] [--url=http://127.0.0.1:4005]`
 *
 * Plays whole calls against a running platforms service (`npm start`) with the development
 * secrets (or the ones in the environment), printing each request and the answer.
 */
import { loadConfig } from '../../shared/config.js';
import { platformsEnv, toPlatformsConfig } from '../../platforms/core/config.js';
import { PLATFORM_NAMES, type PlatformName } from '../../platforms/core/types.js';
import { createPlatformClient } from './client.js';
import { playCall, simCall } from './calls.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=', 2);
    return [k!, v ?? 'true'] as const;
  }),
);
const config = toPlatformsConfig(loadConfig(platformsEnv));
const baseUrl = args.get('url') ?? `http://127.0.0.1:${config.port}`;
const which = args.get('platform') ?? 'all';
const platforms: PlatformName[] = which === 'all' ? [...PLATFORM_NAMES] : [which as PlatformName];
if (!platforms.every((p) => (PLATFORM_NAMES as readonly string[]).includes(p))) {
  console.error(`--platform must be one of ${PLATFORM_NAMES.join(', ')} or all`);
  process.exit(2);
}
const phone = args.get('phone') ?? '+14155550100';
const client = createPlatformClient({ baseUrl, secrets: config.secrets });

for (const platform of platforms) {
  const call = simCall(platform, phone, { optOut: args.has('opt-out') });
  console.log(`\n${platform}: call ${call.callId} from ${phone}${args.has('opt-out') ? ' (opts out)' : ''}`);
  try {
    for (const { step, response } of await playCall(client, platform, call)) {
      console.log(`  ${step.padEnd(40)} ${response.status}  ${JSON.stringify(response.body)?.slice(0, 160) ?? ''}`);
    }
  } catch (error) {
    console.error(
      `  failed: ${error instanceof Error ? error.message : String(error)} (is \`npm start\` running at ${baseUrl}?)`,
    );
    process.exitCode = 1;
  }
}
