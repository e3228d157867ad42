import { WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { CloseCode, createClient, type Client } from 'graphql-ws';
import {
  Kind,
  type GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { ErrorCode } from '../shared/errors.js';
import { IDENTITY_HEADER, WEBSOCKET_BINDING, signIdentity, type Identity } from '../shared/identity.js';
import type { HttpServer } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { AuthenticationError, type Authenticator } from './authenticator.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { graphqlRuntime } from './graphql-runtime.js';
import { withoutSuggestions } from './schema-disclosure.js';

const { GraphQLError: RuntimeGraphQLError, getOperationAST, parse, validate } = graphqlRuntime;

/**
 * Subscriptions over graphql-ws on the gateway's /graphql path, relayed, not planned: each
 * subscription goes to the subgraph that owns its Subscription root field (from the supergraph's
 * join__ directives), over a graphql-ws connection that carries the caller's signed identity.
 * The gateway keeps no subscription state beyond the open sockets, so any number of replicas
 * work: every subgraph replica hears events on the shared event bus and pushes them to whichever
 * gateway replica relays its subscriber.
 *
 * Queries and mutations sent over the socket run through the normal federated pipeline.
 */
export interface SubscriptionRelayOptions {
  server: HttpServer;
  path: string;
  authenticator: Authenticator;
  internalSecret: string;
  apiSchema: () => GraphQLSchema;
  subscriptionOwners: ReadonlyMap<string, string>;
  /** Subgraph name -> its GraphQL HTTP URL (ws:// is derived). */
  subgraphUrl: (name: string) => string | undefined;
  /** Runs a query or mutation through the federated pipeline. */
  executeOperation: (
    request: OperationRequest,
    identity: Identity,
    requestId: string,
  ) => Promise<FormattedExecutionResult>;
  /** Demand control and trusted documents for a subscription (queries and mutations get them in executeOperation); an error refuses it. */
  admitSubscription?: (request: OperationRequest, identity: Identity) => GraphQLError | null;
  metrics: GatewayMetrics;
  log: Logger;
  /** Ping interval for client sockets (ms); a client that misses a pong is dropped. */
  keepAliveMs?: number;
  /** Production: validation errors carry no "Did you mean …" (gateway/schema-disclosure.ts). */
  hideSchemaDetails?: boolean;
}

export interface OperationRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

type ConnectionExtra = {
  identity?: Identity;
  requestId?: string;
  upstreams?: Map<string, Client>;
  /** Closes the socket with 4401 when the caller's token expires. */
  expiryTimer?: NodeJS.Timeout;
};

/** setTimeout's ceiling (about 24.8 days); token lifetimes are far below it. */
const MAX_TIMER_MS = 2_147_483_647;

interface RelayContext {
  kind: 'relay' | 'execute';
  owner?: string;
  request: OperationRequest;
  connection: ConnectionExtra;
}

export interface SubscriptionRelay {
  /** Closes every client socket (1001 Going away) and every upstream connection. */
  close(): Promise<void>;
}

function toWsUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function relayError(message: string, code: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new RuntimeGraphQLError(message, { extensions: { ...extensions, code } });
}

/** Upstream failures as GraphQL errors: the subgraph's own error list, or "connection lost". */
function upstreamErrors(error: unknown, subgraph: string): GraphQLFormattedError[] {
  if (Array.isArray(error) && error.every((e) => typeof e?.message === 'string'))
    return error as GraphQLFormattedError[];
  return [
    {
      message: `Subgraph "${subgraph}" subscription connection failed; resubscribe to resume.`,
      extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, subgraph },
    },
  ];
}

export function attachSubscriptionRelay(options: SubscriptionRelayOptions): SubscriptionRelay {
  const { metrics, log } = options;
  const wss = new WebSocketServer({ server: options.server, path: options.path });
  const connections = new Set<ConnectionExtra>();

  function upstreamFor(connection: ConnectionExtra, subgraph: string): Client {
    connection.upstreams ??= new Map();
    let client = connection.upstreams.get(subgraph);
    if (client) return client;
    const httpUrl = options.subgraphUrl(subgraph);
    if (!httpUrl)
      throw relayError(`No URL configured for subgraph "${subgraph}".`, ErrorCode.SUBGRAPH_UNAVAILABLE, { subgraph });
    client = createClient({
      url: toWsUrl(httpUrl),
      webSocketImpl: WebSocket,
      lazy: true,
      lazyCloseTimeout: 1_000,
      keepAlive: 10_000,
      // A subgraph restart is bridged (graphql-ws resubscribes after reconnecting); a subgraph that
      // stays down surfaces to the client as SUBGRAPH_UNAVAILABLE within a few seconds.
      retryAttempts: 3,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, 300 * 2 ** retries + Math.random() * 200)),
      // Signed per (re)connect, so the identity header is always fresh; bound to the connect itself.
      connectionParams: () => ({
        [IDENTITY_HEADER]: signIdentity(connection.identity!, options.internalSecret, { body: WEBSOCKET_BINDING }),
        'x-request-id': connection.requestId!,
      }),
    });
    connection.upstreams.set(subgraph, client);
    return client;
  }

  async function* relay(context: RelayContext): AsyncGenerator<FormattedExecutionResult> {
    const owner = context.owner!;
    const iterator = upstreamFor(context.connection, owner).iterate({
      query: context.request.query,
      variables: context.request.variables ?? undefined,
      operationName: context.request.operationName ?? undefined,
    });
    metrics.subscriptionsOpen.inc({ subgraph: owner });
    try {
      for await (const result of iterator) yield result as FormattedExecutionResult;
    } catch (error) {
      log.warn({ subgraph: owner, requestId: context.connection.requestId }, 'upstream subscription failed');
      yield { errors: upstreamErrors(error, owner) };
    } finally {
      metrics.subscriptionsOpen.dec({ subgraph: owner });
      await iterator.return?.();
    }
  }

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: () => options.apiSchema(),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const fromParams = params.authorization ?? params.Authorization;
        const header = typeof fromParams === 'string' ? fromParams : ctx.extra.request.headers.authorization;
        let expiresAt: number;
        try {
          ({ identity: ctx.extra.identity, expiresAt } = await options.authenticator.authenticateUntil(header));
        } catch (error) {
          metrics.authFailures.inc({ reason: 'websocket' });
          // A signed token for no caller we serve is forbidden; anything else (missing, bad,
          // expired, too long-lived) is unauthenticated. Every reconnect authenticates again.
          const forbidden = error instanceof AuthenticationError && error.reason === 'claims';
          ctx.extra.socket.close(
            forbidden ? CloseCode.Forbidden : CloseCode.Unauthorized,
            forbidden ? 'Forbidden' : 'Unauthorized',
          );
          return false;
        }
        // The socket lives as long as the token: at its expiry the client must reconnect with a new one.
        const socket = ctx.extra.socket;
        ctx.extra.expiryTimer = setTimeout(
          () => socket.close(CloseCode.Unauthorized, 'Token expired'),
          Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS),
        );
        ctx.extra.expiryTimer.unref();
        const given = params['x-request-id'];
        ctx.extra.requestId =
          typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : crypto.randomUUID();
        connections.add(ctx.extra);
        metrics.websocketConnections.inc();
        return true;
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiryTimer);
        if (!connections.delete(ctx.extra)) return;
        metrics.websocketConnections.dec();
        for (const client of ctx.extra.upstreams?.values() ?? []) void client.dispose();
      },
      onSubscribe: (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const schema = options.apiSchema();
        const errors = validate(schema, document);
        if (errors.length > 0) {
          if (options.hideSchemaDetails) for (const error of errors) error.message = withoutSuggestions(error.message);
          return [...errors];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [relayError('Unable to identify the operation to run.', ErrorCode.BAD_USER_INPUT)];
        const request: OperationRequest = {
          query: payload.query,
          variables: payload.variables,
          operationName: payload.operationName,
        };
        let context: RelayContext;
        if (operation.operation === 'subscription') {
          const owners = new Set<string>();
          for (const selection of operation.selectionSet.selections) {
            if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
            const owner = options.subscriptionOwners.get(selection.name.value);
            if (owner) owners.add(owner);
          }
          if (owners.size !== 1) {
            return [
              relayError('A subscription must select root fields of exactly one subgraph.', ErrorCode.BAD_USER_INPUT),
            ];
          }
          const refused = options.admitSubscription?.(request, ctx.extra.identity!);
          if (refused) return [refused];
          context = { kind: 'relay', owner: [...owners][0]!, request, connection: ctx.extra };
        } else {
          context = { kind: 'execute', request, connection: ctx.extra };
        }
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: context,
        };
        return args;
      },
      subscribe: (args) => relay(args.contextValue as RelayContext) as never,
      execute: (args) => {
        const context = args.contextValue as RelayContext;
        return options.executeOperation(
          context.request,
          context.connection.identity!,
          context.connection.requestId!,
        ) as never;
      },
      // Relayed results are already serialized shapes (plain error objects): send them as they are.
      onNext: (_ctx, _id, _payload, _args, result) => result as never,
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        for (const socket of wss.clients) socket.close(1001, 'Going away');
        await disposable.dispose();
        for (const connection of connections)
          for (const client of connection.upstreams?.values() ?? []) await client.dispose();
        connections.clear();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })()),
  };
}
