/**
 * An example voice-agent backend talking to dialplane: caller-id lookup, the call-start query
 * (contact, intent, last interaction, call permission) and a live subscription to consent
 * revocations for the number, all typed by the generated documents (`npm run codegen`).
 *
 *   npm start                                   # in another terminal
 *   npx tsx examples/voice-agent.ts [+14155550100] [--at=2026-12-07T19:00:00Z] [--listen=10]
 *
 * The permission asked is for the number given (not the contact's primary phone); `--at` asks
 * what the answer would be at another instant (a what-if: never a permission to dial now).
 *
 * GATEWAY_URL (default http://127.0.0.1:4000/graphql) and DIALPLANE_TOKEN (default: a development
 * agent token signed with the development JWT secret) configure it.
 */
import { pathToFileURL } from 'node:url';
import { DEV_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../gateway/dev-tokens.js';
import { createDialplaneClient } from './graphql-client.js';
import {
  CallPermissionDocument,
  CallStartDocument,
  ConsentRevocationsDocument,
  ContactsByPhoneDocument,
  type CallPermissionQuery,
  type CallStartQuery,
  type ConsentRevocationsSubscription,
} from './generated/operations.js';

export interface VoiceAgentRun {
  candidates: number;
  /** The decision for the number given. */
  permission: CallPermissionQuery['callPermission'] | null;
  contact: NonNullable<CallStartQuery['contact']> | null;
  /** Errors that came with partial data (e.g. a subgraph down): the agent still has the rest. */
  partialErrors: string[];
  revocations: ConsentRevocationsSubscription['consentRevoked'][];
}

export async function runVoiceAgent(options: {
  url: string;
  token: string;
  phone: string;
  at?: string;
  listenMs?: number;
  log?: (line: string) => void;
}): Promise<VoiceAgentRun> {
  const log = options.log ?? (() => undefined);
  const client = createDialplaneClient({ url: options.url, token: options.token });
  const revocations: VoiceAgentRun['revocations'] = [];
  try {
    const lookup = await client.request(ContactsByPhoneDocument, { phone: options.phone });
    const candidates = lookup.data.contactsByPhone;
    log(`caller id ${options.phone}: ${candidates.length} contact(s) ${candidates.map((c) => c.id).join(', ')}`);
    const asked = await client.request(CallPermissionDocument, {
      phone: options.phone,
      purpose: 'MARKETING',
      at: options.at ?? null,
    });
    const permission = asked.data.callPermission;
    const when = options.at ? ` at ${options.at} (what-if)` : '';
    log(
      `call permission for ${options.phone}${when}: ${permission.allowed ? 'ALLOWED' : `DENIED (${permission.reasons.join(', ')})`}`,
    );
    if (permission.nextAllowedAt) log(`  next allowed at ${permission.nextAllowedAt}`);
    log(
      `  zones ${permission.zones.join(', ') || '-'}; lists ${permission.suppressionLists.map((l) => `${l.list}@${l.downloadedAt?.slice(0, 10) ?? 'never'}`).join(', ') || '-'}${permission.reassignedCheck ? `; RND ${permission.reassignedCheck.result} (${permission.reassignedCheck.version})` : ''}`,
    );
    if (permission.allowed) for (const o of permission.obligations) log(`  must: ${o.code}: ${o.detail}`);
    const first = candidates[0];
    if (!first) return { candidates: 0, permission, contact: null, partialErrors: [], revocations };

    const start = await client.request(CallStartDocument, { id: first.id, purpose: 'MARKETING' });
    const contact = start.data.contact;
    const partialErrors = (start.errors ?? []).map(
      (e) => `${String(e.extensions?.code)} at ${e.path?.join('.') ?? '-'}`,
    );
    if (contact) {
      log(
        `contact ${contact.id} (${contact.source}) stage=${contact.intentStage ?? '?'} zone=${contact.timeZone ?? '?'} age=${contact.freshness.ageMs}ms`,
      );
      // Null means no decision could be made (the error says why): do not call.
      const primary = contact.callPermission;
      log(
        primary === null
          ? `contact's primary phone ${contact.primaryPhone ?? '-'} now: NO DECISION (do not call)`
          : `contact's primary phone ${contact.primaryPhone ?? '-'} now: ${primary.allowed ? 'ALLOWED' : `DENIED (${primary.reasons.join(', ')})`}`,
      );
    }
    if (partialErrors.length) log(`partial answer: ${partialErrors.join('; ')}`);

    if (options.listenMs && options.listenMs > 0 && permission.phone) {
      log(`listening for consent revocations on ${permission.phone} for ${options.listenMs} ms`);
      await new Promise<void>((resolve) => {
        const stop = client.subscribe(
          ConsentRevocationsDocument,
          { phones: [permission.phone!] },
          (data) => {
            revocations.push(data.consentRevoked);
            log(
              `REVOKED ${data.consentRevoked.phone} via ${data.consentRevoked.channel} (cursor ${data.consentRevoked.cursor}): hang up`,
            );
          },
          (error) => log(`subscription error: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
        );
        setTimeout(() => (stop(), resolve()), options.listenMs);
      });
    }
    return { candidates: candidates.length, permission, contact, partialErrors, revocations };
  } finally {
    await client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const phone = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '+14155550100';
  const at = process.argv.find((a) => a.startsWith('--at='))?.slice(5);
  const listen = Number(process.argv.find((a) => a.startsWith('--listen='))?.slice(9) ?? 0) * 1000;
  const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
  const token =
    process.env.DIALPLANE_TOKEN ??
    (await signToken(
      { sub: 'example-voice-agent', roles: ['agent'], seller: 'demo-seller', org: 'demo-org' },
      { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' },
    ));
  runVoiceAgent({ url, token, phone, at, listenMs: listen, log: (line) => console.log(line) }).then(
    (run) => process.exit(run.permission ? 0 : 1),
    (error: unknown) => {
      console.error(`voice agent failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
