/**
 * An example voice-agent backend talking to dialplane: caller-id lookup, the call-start query
 * (contact, intent, last interaction, call permission) and a live subscription to consent
 * revocations for the number, all typed by the generated documents (`npm run codegen`).
 *
 *   npm start                                   # in another terminal
 *   npx tsx examples/voice-agent.ts [+14155550100] [--listen=10]
 *
 * GATEWAY_URL (default http://127.0.0.1:4000/graphql) and DIALPLANE_TOKEN (default: a development
 * agent token signed with the development JWT secret) configure it.
 */
import { pathToFileURL } from 'node:url';
import { DEV_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../gateway/dev-tokens.js';
import { createDialplaneClient } from './graphql-client.js';
import {
  CallStartDocument,
  ConsentRevocationsDocument,
  ContactsByPhoneDocument,
  type CallStartQuery,
  type ConsentRevocationsSubscription,
} from './generated/operations.js';

export interface VoiceAgentRun {
  candidates: number;
  contact: NonNullable<CallStartQuery['contact']> | null;
  /** Errors that came with partial data (e.g. a subgraph down): the agent still has the rest. */
  partialErrors: string[];
  revocations: ConsentRevocationsSubscription['consentRevoked'][];
}

export async function runVoiceAgent(options: { url: string; token: string; phone: string; listenMs?: number; log?: (line: string) => void }): Promise<VoiceAgentRun> {
  const log = options.log ?? (() => undefined);
  const client = createDialplaneClient({ url: options.url, token: options.token });
  const revocations: VoiceAgentRun['revocations'] = [];
  try {
    const lookup = await client.request(ContactsByPhoneDocument, { phone: options.phone });
    const candidates = lookup.data.contactsByPhone;
    log(`caller id ${options.phone}: ${candidates.length} contact(s) ${candidates.map((c) => c.id).join(', ')}`);
    const first = candidates[0];
    if (!first) return { candidates: 0, contact: null, partialErrors: [], revocations };

    const start = await client.request(CallStartDocument, { id: first.id, purpose: 'MARKETING' });
    const contact = start.data.contact;
    const partialErrors = (start.errors ?? []).map((e) => `${String(e.extensions?.code)} at ${e.path?.join('.') ?? '-'}`);
    if (contact) {
      log(`contact ${contact.id} (${contact.source}) stage=${contact.intentStage ?? '?'} zone=${contact.timeZone ?? '?'} age=${contact.freshness.ageMs}ms`);
      // Null means no decision could be made (the error says why): do not call.
      const permission = contact.callPermission;
      log(
        permission === null
          ? 'call permission: NO DECISION (do not call)'
          : `call permission: ${permission.allowed ? 'ALLOWED' : `DENIED (${permission.reasons.join(', ')})`}`,
      );
    }
    if (partialErrors.length) log(`partial answer: ${partialErrors.join('; ')}`);

    if (options.listenMs && options.listenMs > 0 && contact?.primaryPhone) {
      log(`listening for consent revocations on ${contact.primaryPhone} for ${options.listenMs} ms`);
      await new Promise<void>((resolve) => {
        const stop = client.subscribe(
          ConsentRevocationsDocument,
          { phones: [contact.primaryPhone!] },
          (data) => {
            revocations.push(data.consentRevoked);
            log(`REVOKED ${data.consentRevoked.phone} via ${data.consentRevoked.channel} (cursor ${data.consentRevoked.cursor}): hang up`);
          },
          (error) => log(`subscription error: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
        );
        setTimeout(() => (stop(), resolve()), options.listenMs);
      });
    }
    return { candidates: candidates.length, contact, partialErrors, revocations };
  } finally {
    await client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const phone = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '+14155550100';
  const listen = Number(process.argv.find((a) => a.startsWith('--listen='))?.slice(9) ?? 0) * 1000;
  const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
  const token =
    process.env.DIALPLANE_TOKEN ??
    (await signToken({ sub: 'example-voice-agent', roles: ['agent'], seller: 'demo-seller', org: 'demo-org' }, { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' }));
  runVoiceAgent({ url, token, phone, listenMs: listen, log: (line) => console.log(line) }).then(
    (run) => process.exit(run.contact ? 0 : 1),
    (error: unknown) => {
      console.error(`voice agent failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
