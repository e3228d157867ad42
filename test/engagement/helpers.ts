import { randomUUID } from 'node:crypto';
import { DEV_INTERNAL_SECRET } from '../../shared/config.js';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import { IDENTITY_HEADER, signIdentity, type Role } from '../../shared/identity.js';
import { silentLogger } from '../../shared/logger.js';
import type { EngagementConfig } from '../../subgraphs/engagement/config.js';
import type { ConsentClient, RevocationRequest } from '../../subgraphs/engagement/worker/consent-client.js';
import { signCallEnded } from '../../subgraphs/engagement/intake/webhooks.js';

export const WEBHOOK_SECRET = 'test-call-webhook-secret';

/** Fast policy for tests: 1 s base backoff, short job timeout, quick polling. */
export function testConfig(
  overrides: Partial<EngagementConfig> & { salesforceUrl?: string; hubspotUrl?: string } = {},
): EngagementConfig {
  const { salesforceUrl = 'http://127.0.0.1:9', hubspotUrl = 'http://127.0.0.1:9', ...rest } = overrides;
  return {
    port: 0,
    logLevel: 'silent',
    internalSecret: DEV_INTERNAL_SECRET,
    webhookSecret: WEBHOOK_SECRET,
    consentUrl: 'http://127.0.0.1:9/graphql',
    runWorker: true,
    crm: {
      salesforce: {
        loginUrl: salesforceUrl,
        instanceUrl: salesforceUrl,
        clientId: 'dialplane-dev',
        clientSecret: 'dev-salesforce-secret',
        apiVersion: '62.0',
      },
      hubspot: { baseUrl: hubspotUrl, accessToken: 'dev-hubspot-token' },
    },
    policy: {
      maxAttempts: 8,
      retryDelaySeconds: 1,
      maxRetryDelaySeconds: 4,
      maintenanceIntervalSeconds: 1,
      jobTimeoutSeconds: 20,
      concurrency: 8,
      pollIntervalMs: 500,
      rateLimits: { salesforce: { limit: 1000, windowMs: 1000 }, hubspot: { limit: 1000, windowMs: 1000 } },
      pendingAlertMs: 60_000,
      readYourWritesGraceMs: 10_000,
    },
    ...rest,
  };
}

/** A consent ledger stand-in that records what it was told (the consent subgraph is another team's). */
export function recordingConsent(): ConsentClient & { calls: RevocationRequest[]; down: boolean } {
  const state = {
    calls: [] as RevocationRequest[],
    down: false,
    async revoke(request: RevocationRequest) {
      if (state.down) throw new DialplaneError(ErrorCode.SUBGRAPH_UNAVAILABLE, 'consent down', { subgraph: 'consent' }); // as the real client throws
      state.calls.push(request);
    },
  };
  return state;
}

/** The identity header for one request: signed over the body it travels with. */
export function identityHeader(
  body: string,
  roles: Role[] = ['agent'],
  secret = DEV_INTERNAL_SECRET,
): Record<string, string> {
  return { [IDENTITY_HEADER]: signIdentity({ sub: 'test-agent', roles }, secret, { body }) };
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  roles: Role[] = ['agent'],
): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const body = JSON.stringify({ query, variables });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...identityHeader(body, roles) },
    body,
  });
  return (await res.json()) as never;
}

export const RECORD = `mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id status acceptedAt duplicate } }`;
export const WRITE_BACK = `query($id: ID!) { writeBack(id: $id) { id status attempts lastErrorCode lastError nextAttemptAt crmRecordId writtenAt } }`;

export function outcome(contactId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contactId,
    callId: `call-${randomUUID()}`,
    decisionId: `dec-${randomUUID()}`,
    idempotencyKey: `idem-${randomUUID()}`,
    disposition: 'CONNECTED',
    summary: 'Talked about the renewal',
    intentStage: 'ENGAGED',
    durationSeconds: 95,
    occurredAt: new Date().toISOString(),
    ...extra,
  };
}

export async function postCallEnded(
  baseUrl: string,
  body: unknown,
  options: { secret?: string; timestamp?: number; signature?: string } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? Date.now();
  const signature = options.signature ?? signCallEnded(options.secret ?? WEBHOOK_SECRET, timestamp, raw);
  const res = await fetch(`${baseUrl}/webhooks/call-ended`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-dialplane-timestamp': String(timestamp),
      'x-dialplane-signature': signature,
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

export const quietLog = silentLogger;
