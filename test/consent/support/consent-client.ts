import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { DEV_INTERNAL_SECRET } from '../../../shared/config.js';
import {
  IDENTITY_HEADER,
  WEBSOCKET_BINDING,
  serviceIdentity,
  signIdentity,
  type Identity,
} from '../../../shared/identity.js';

export const SECRET = DEV_INTERNAL_SECRET;
export const AGENT: Identity = { sub: 'agent-7', roles: ['agent'], seller: 'acme' };
/** A compliance officer of the whole organisation (every seller, docs/access.md). */
export const COMPLIANCE: Identity = { sub: 'officer-1', roles: ['compliance'], sellers: ['*'] };
/** Engagement's own identity: it pushes opt-outs for every seller. */
export const SERVICE: Identity = serviceIdentity('engagement');

export interface GqlResult<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

/** POSTs a GraphQL operation to a subgraph with a signed identity (or none). */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  identity: Identity | null = AGENT,
): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const payload = JSON.stringify({ query, variables });
  if (identity) headers[IDENTITY_HEADER] = signIdentity(identity, SECRET, { body: payload });
  const res = await fetch(url, { method: 'POST', headers, body: payload });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
  return { status: res.status, ...body };
}

export function wsClient(url: string, identity: Identity = AGENT): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: () => ({ [IDENTITY_HEADER]: signIdentity(identity, SECRET, { body: WEBSOCKET_BINDING }) }),
    retryAttempts: 0,
    lazy: true,
  });
}

export const PERMISSION_FIELDS =
  'allowed reasons nextAllowedAt decisionId policyVersion phone obligations { code } consent { status cursor } reservation { attemptId }';

export const WRITTEN_CONSENT = (phone: string, over: Record<string, unknown> = {}) => ({
  phone,
  consentType: 'WRITTEN',
  purposes: ['MARKETING', 'INFORMATIONAL'],
  sellers: ['acme'],
  channels: ['VOICE'],
  coversArtificialVoice: true,
  disclosure: { version: 'v3', hash: 'sha256:ab12', notConditionOfPurchase: true },
  evidence: {
    source: 'web-form',
    signatureMethod: 'checkbox-esign',
    ipAddress: '203.0.113.9',
    userAgent: 'Mozilla/5.0',
    name: 'Pat Doe',
  },
  occurredAt: '2026-01-10T15:00:00Z',
  ...over,
});
