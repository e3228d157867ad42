/**
 * The console's calls, each with the token typed into the page: GraphQL over HTTP (POST /graphql),
 * the pipeline health endpoint (GET /console/api/pipeline) and graphql-ws subscriptions on
 * /graphql. A refusal comes back as a typed `ApiError` (its code from the server) so each panel
 * can say why it shows nothing.
 */
import { createClient, type Client } from 'graphql-ws';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const graphqlUrl = new URL('/graphql', window.location.href);
const wsUrl = new URL(graphqlUrl);
wsUrl.protocol = graphqlUrl.protocol === 'https:' ? 'wss:' : 'ws:';

const authHeader = (token: string): Record<string, string> =>
  token.trim() ? { authorization: `Bearer ${token.trim()}` } : {};

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function graphql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeader(token) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({}))) as GraphQLAnswer<T>;
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.extensions?.code ?? `HTTP_${res.status}`, first.message);
  if (!body.data) throw new ApiError(`HTTP_${res.status}`, 'no data in the answer');
  return body.data;
}

export async function getJson<T>(token: string, path: string): Promise<T> {
  const res = await fetch(new URL(path, window.location.href), {
    headers: { accept: 'application/json', ...authHeader(token) },
  });
  const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new ApiError(body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? res.statusText);
  return body as T;
}

/** One graphql-ws client per token: the token travels as the connection parameter, as in the explorer. */
export function subscriptionClient(token: string): Client {
  return createClient({ url: wsUrl.href, connectionParams: authHeader(token), lazy: true, retryAttempts: 3 });
}

export const errorText = (e: unknown): string =>
  e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
