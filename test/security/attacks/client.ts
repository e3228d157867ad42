import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Stack } from '../../support/stack.js';

/** What the attack suites read from a GraphQL answer. */
export interface Answer<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; field?: string; [k: string]: unknown };
  }[];
}

/** POSTs an operation to the gateway as the holder of `token`, as any HTTP client would. */
export async function gql<T = Record<string, any>>(
  stack: Stack,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Answer<T>> {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<Answer<T>, 'status'>;
  return { status: res.status, ...body };
}

/** A graphql-ws client on the gateway for `token`. */
export function wsClient(stack: Stack, token: string): Client {
  return createClient({
    url: stack.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/** The first error's code (or undefined). */
export const codeOf = (a: Answer) => a.errors?.[0]?.extensions?.code;

/** A US number no other call in this test file uses (the fictional 555-01xx range; one stack per file). */
let next = 0;
export function freshPhone(areaCode = '212'): string {
  next += 1;
  return `+1${areaCode}5550${String(100 + (next % 100)).slice(-3)}`;
}

export const WRITTEN_CONSENT = (phone: string, sellers: string[], over: Record<string, unknown> = {}) => ({
  phone,
  consentType: 'WRITTEN',
  purposes: ['MARKETING', 'INFORMATIONAL'],
  sellers,
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
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  ...over,
});

export const RECORD_CONSENT =
  'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { eventId cursor created } }';
export const REVOKE_CONSENT =
  'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { eventId cursor } }';
export const ADD_DNC = 'mutation($input: AddInternalDncInput!) { addInternalDnc(input: $input) { id scope seller } }';
export const RECORD_RELATIONSHIP =
  'mutation($input: RecordRelationshipInput!) { recordRelationship(input: $input) { seller } }';
export const CALL_PERMISSION =
  'query($phone: String!, $purpose: CallPurpose!, $seller: String, $at: DateTime) { callPermission(phone: $phone, purpose: $purpose, seller: $seller, at: $at) { allowed reasons decisionId hypothetical reservation { attemptId } } }';
export const AUTHORIZE_CALL =
  'mutation($input: AuthorizeCallInput!) { authorizeCall(input: $input) { allowed reasons decisionId evaluatedAt hypothetical reservation { attemptId reservedAt } } }';
export const REVOCATIONS = 'query($phones: [String!]) { consentRevocations(phones: $phones) { phone scope seller } }';
export const RECORD_OUTCOME =
  'mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id status duplicate } }';
