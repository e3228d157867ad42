import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';
import { IDENTITY_HEADER, serviceIdentity, signIdentity } from '../../../shared/identity.js';
import { injectTraceHeaders } from '../../../shared/tracing.js';

/**
 * Pushes an opt-out to the consent subgraph's ledger (`Mutation.revokeConsent`), called directly
 * at the subgraph with a signed `service` identity: the revocation must not depend on the gateway
 * or on any CRM. Failures are thrown with a code; the caller's durable job retries them.
 */

export interface RevocationRequest {
  /** E.164 */
  phone: string;
  occurredAt: string;
  /** How the opt-out was expressed. */
  channel: 'VOICE' | 'TRANSCRIPT';
  /** Stable per outcome, so a retried push can be recognized by the ledger. */
  reference: string;
  decisionId: string;
}

export interface ConsentClient {
  revoke(request: RevocationRequest): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const REVOKE_MUTATION = `mutation EngagementRevokeConsent($input: RevokeConsentInput!) {
  revokeConsent(input: $input) { __typename }
}`;

const graphqlResponse = z.object({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z
    .array(
      z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).passthrough().optional() }),
    )
    .optional(),
});

export function createConsentClient(options: { url: string; secret: string; timeoutMs?: number }): ConsentClient {
  const timeoutMs = options.timeoutMs ?? 3_000;
  return {
    async revoke(request) {
      const input = {
        phone: request.phone,
        channel: request.channel,
        source: 'engagement',
        occurredAt: request.occurredAt,
        idempotencyKey: request.reference,
        // Consent's decision ids are UUIDs (authorizeCall); anything else names no decision of
        // theirs and only makes the mutation fail, which would hold the revocation back.
        ...(UUID.test(request.decisionId) ? { decisionId: request.decisionId } : {}),
      };
      let response: Response;
      const body = JSON.stringify({
        query: REVOKE_MUTATION,
        variables: { input },
        operationName: 'EngagementRevokeConsent',
      });
      try {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity(serviceIdentity('engagement'), options.secret, { body }),
        };
        injectTraceHeaders(headers);
        response = await fetch(options.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new DialplaneError(
          ErrorCode.SUBGRAPH_UNAVAILABLE,
          'consent subgraph unreachable',
          { subgraph: 'consent' },
          { cause: error },
        );
      }
      const parsed = graphqlResponse.safeParse(await response.json().catch(() => null));
      if (!response.ok && !parsed.success) {
        throw new DialplaneError(ErrorCode.SUBGRAPH_UNAVAILABLE, `consent subgraph answered ${response.status}`, {
          subgraph: 'consent',
          status: response.status,
        });
      }
      if (!parsed.success)
        throw new DialplaneError(ErrorCode.SUBGRAPH_UNAVAILABLE, 'consent subgraph answered an unreadable body', {
          subgraph: 'consent',
        });
      const error = parsed.data.errors?.[0];
      if (error || !parsed.data.data?.revokeConsent) {
        const code = error?.extensions?.code ?? 'UNKNOWN';
        throw new DialplaneError(ErrorCode.SUBGRAPH_UNAVAILABLE, `consent revokeConsent failed: ${code}`, {
          subgraph: 'consent',
          upstreamCode: code,
        });
      }
    },
  };
}
