import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type FormattedExecutionResult } from 'graphql';
import { WebSocket } from 'ws';
import { createClient, type Client } from 'graphql-ws';

/**
 * A minimal typed GraphQL client for dialplane: queries and mutations over HTTP (fetch, keep-alive
 * by default in Node), subscriptions over graphql-ws, both typed by the generated documents.
 */
export class GraphQLRequestError extends Error {
  constructor(
    readonly errors: FormattedExecutionResult['errors'],
    readonly status: number,
  ) {
    super(errors?.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ') ?? `HTTP ${status}`);
    this.name = 'GraphQLRequestError';
  }
}

export interface DialplaneClient {
  /** Runs a query or mutation; resolves with data (and any partial-data errors), rejects without data. */
  request<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<{ data: R; errors?: FormattedExecutionResult['errors'] }>;
  /** Subscribes; returns an unsubscribe function. */
  subscribe<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
    onData: (data: R) => void,
    onError?: (error: unknown) => void,
  ): () => void;
  close(): Promise<void>;
}

export function createDialplaneClient(options: { url: string; token: string }): DialplaneClient {
  // Printing is done once per document, not per call.
  const printed = new WeakMap<object, string>();
  const text = (document: TypedDocumentNode<unknown, never>) => {
    let query = printed.get(document);
    if (!query) printed.set(document, (query = print(document)));
    return query;
  };
  let ws: Client | undefined;
  const socket = () =>
    (ws ??= createClient({
      url: options.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${options.token}` },
      keepAlive: 10_000,
    }));

  return {
    async request(document, variables) {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${options.token}`,
        },
        body: JSON.stringify({ query: text(document as never), variables }),
      });
      const body = (await response.json()) as FormattedExecutionResult;
      if (!body.data) throw new GraphQLRequestError(body.errors, response.status);
      return { data: body.data as never, ...(body.errors ? { errors: body.errors } : {}) };
    },
    subscribe(document, variables, onData, onError) {
      return socket().subscribe(
        { query: text(document as never), variables },
        {
          next: (result) =>
            result.data ? onData(result.data as never) : onError?.(new GraphQLRequestError(result.errors, 200)),
          error: (error) => onError?.(error),
          complete: () => undefined,
        },
      );
    },
    async close() {
      await ws?.dispose();
    },
  };
}
