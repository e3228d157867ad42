import { SignJWT } from 'jose';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import { injectTraceHeaders } from '../../shared/tracing.js';
import type { PlatformsConfig } from './config.js';
import { operationName } from '../../shared/trusted-documents-manifest.js';
import { registeredDocumentIds } from './registered-documents.js';

/**
 * The platforms service is a client of the gateway's public GraphQL API, like any agent: the
 * decision (consent), the contact (CRMs) and the outcome (engagement) are the graph's, never
 * recomputed here. It authenticates with a bearer token acting for the configured seller: a fixed
 * token from the identity provider, or one minted from JWT_SECRET (HS256 deployments, development).
 */

export interface GraphqlResult<T> {
  data: T | null;
  errors: { message: string; code: string }[];
}

export interface GatewayClient {
  /** Never throws for GraphQL errors (they come back in `errors`); throws on transport failure or timeout. */
  request<T>(
    query: string,
    variables: Record<string, unknown>,
    options: { timeoutMs: number },
  ): Promise<GraphqlResult<T>>;
}

const response = z.object({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z
    .array(
      z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).passthrough().optional() }),
    )
    .optional(),
});

const TOKEN_LIFETIME_S = 3_600;

function documentBody(query: string, variables: Record<string, unknown>, ids: ReadonlyMap<string, string>) {
  const name = operationName(query);
  const documentId = name === undefined ? undefined : ids.get(name);
  return documentId ? { documentId, variables } : { query, variables };
}

export function createGatewayClient(
  config: Pick<PlatformsConfig, 'gatewayUrl' | 'gatewayAuth' | 'seller' | 'org' | 'trustedDocumentsPath'>,
): GatewayClient {
  const documentIds = registeredDocumentIds(config.trustedDocumentsPath);
  let minted: { token: string; renewAt: number } | null = null;
  const bearer = async (): Promise<string> => {
    const auth = config.gatewayAuth;
    if (auth.kind === 'token') return auth.token;
    const now = Date.now();
    if (minted && minted.renewAt > now) return minted.token;
    const token = await new SignJWT({
      roles: ['agent'],
      seller: config.seller,
      ...(config.org ? { org: config.org } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('service:platforms')
      .setIssuer(auth.issuer)
      .setAudience(auth.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(now / 1000) + TOKEN_LIFETIME_S)
      .sign(new TextEncoder().encode(auth.secret));
    // Renewed at half-life, so a token is never presented close to its expiry.
    minted = { token, renewAt: now + (TOKEN_LIFETIME_S * 1000) / 2 };
    return token;
  };

  const post = async <T>(body: object, signal: AbortSignal): Promise<GraphqlResult<T>> => {
    let res: Response;
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${await bearer()}`,
      };
      injectTraceHeaders(headers);
      res = await fetch(config.gatewayUrl, { method: 'POST', headers, body: JSON.stringify(body), signal });
    } catch (error) {
      throw new DialplaneError(
        ErrorCode.SUBGRAPH_UNAVAILABLE,
        'gateway did not answer in time',
        { upstream: 'gateway' },
        { cause: error },
      );
    }
    const parsed = response.safeParse(await res.json().catch(() => null));
    if (!parsed.success) {
      throw new DialplaneError(
        ErrorCode.SUBGRAPH_UNAVAILABLE,
        `gateway answered ${res.status} with an unreadable body`,
        { upstream: 'gateway', status: res.status },
      );
    }
    return {
      data: (parsed.data.data ?? null) as T | null,
      errors: (parsed.data.errors ?? []).map((e) => ({
        message: e.message,
        code: e.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
      })),
    };
  };

  return {
    async request<T>(query: string, variables: Record<string, unknown>, options: { timeoutMs: number }) {
      const deadline = AbortSignal.timeout(options.timeoutMs);
      // A registered operation goes by its id (a production gateway runs registered documents only).
      const body = documentBody(query, variables, documentIds);
      const first = await post<T>(body, deadline);
      // A gateway without our manifest does not know the id: say the text once, as Apollo's
      // persisted-query protocol does (a gateway that enforces registered documents still refuses it).
      if ('documentId' in body && first.errors.some((e) => e.code === ErrorCode.PERSISTED_QUERY_NOT_FOUND))
        return post<T>({ query, variables }, deadline);
      return first;
    },
  };
}
