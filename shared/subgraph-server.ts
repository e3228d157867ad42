import type { IncomingMessage } from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseUnavailable } from './db.js';
import { responseTypePlugin } from './response-type.js';
import { ErrorCode } from './errors.js';
import {
  closeServer,
  createRouter,
  createServer,
  executeApolloRequest,
  graphqlBodyOf,
  listen,
  readGraphqlRawBody,
  requestIdOf,
  sendGraphqlError,
  sendJson,
  sendText,
  type Route,
} from './http.js';
import {
  IDENTITY_HEADER,
  WEBSOCKET_BINDING,
  createIdentityVerifier,
  type Identity,
  type IdentityVerifier,
} from './identity.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { logError } from './logger.js';
import type { ServerTls } from './tls.js';
import { SubgraphFastPath } from './subgraph-fast-path.js';

/**
 * Every subgraph runs on this: @apollo/subgraph behind plain node:http, the gateway's signed
 * identity required on /graphql (so a subgraph called directly answers 401), health, readiness
 * and Prometheus endpoints, optional graphql-ws subscriptions on the same path, graceful close.
 */

export interface SubgraphContext extends BaseContext {
  identity: Identity;
  requestId: string;
  log: Logger;
}

export interface Readiness {
  ok: boolean;
  details?: Record<string, unknown>;
}

export interface SubgraphServerOptions<C extends SubgraphContext> {
  name: string;
  port: number;
  host?: string;
  /** Serve HTTPS (and WSS) with this certificate; unset: plain HTTP. */
  tls?: ServerTls;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<C>;
  internalSecret: string;
  /** Replaces the identity check built from `internalSecret` (benchmarks only: the request path with checks off). */
  identityVerifier?: IdentityVerifier;
  log: Logger;
  metrics: Metrics;
  /** Extra routes. Paths under /webhooks/ are public (they verify their own signatures). */
  routes?: Route[];
  /** Extends the base context (identity, request id, logger) per request or subscription. */
  context?: (base: SubgraphContext) => C | Promise<C>;
  readiness?: () => Promise<Readiness>;
  /** Serve graphql-ws subscriptions on /graphql. */
  subscriptions?: boolean;
  /** Stack traces in errors (development only). */
  development?: boolean;
  /** Remembered operations skip Apollo Server's request pipeline (shared/subgraph-fast-path.ts). @default true */
  fastPath?: boolean;
  /** Called after the HTTP server stopped (close stores, buses, timers). */
  onClose?: () => Promise<void>;
}

export interface RunningSubgraph {
  name: string;
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4001/graphql */
  url: string;
  baseUrl: string;
  port: number;
  schema: GraphQLSchema;
  close(): Promise<void>;
}

const PUBLIC_PREFIXES = ['/webhooks/'];

export async function startSubgraph<C extends SubgraphContext>(
  options: SubgraphServerOptions<C>,
): Promise<RunningSubgraph> {
  const { log, metrics } = options;
  const schema = buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers as never }]);
  const requestDuration = metrics.histogram('dialplane_graphql_request_duration_seconds', 'GraphQL request latency', [
    'operation',
    'outcome',
  ]);
  const requestErrors = metrics.counter('dialplane_graphql_errors_total', 'GraphQL errors by code', ['code']);
  const fastPathAnswers = metrics.counter(
    'dialplane_graphql_fast_path_total',
    'Operations answered by the subgraph fast path (remembered, outside Apollo Server)',
  );

  // Errors without a dialplane code never show their raw text (a PostgreSQL message can quote
  // the input): a database outage becomes the retryable SERVICE_UNAVAILABLE, anything else a
  // generic INTERNAL_SERVER_ERROR; the cause is logged by name and SQLSTATE only.
  const formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    if (code && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
    // graphql-js's own errors (and GraphQLErrors we throw) word themselves.
    if ((original as Error | undefined)?.name === 'GraphQLError') return formatted;
    const sqlState =
      typeof (original as { code?: unknown })?.code === 'string' ? (original as { code: string }).code : undefined;
    if (isDatabaseUnavailable(original)) {
      log.warn({ path: formatted.path, sqlState }, 'database unavailable: answered SERVICE_UNAVAILABLE');
      return {
        message: 'The service store is unavailable; nothing was written. Retry later.',
        path: formatted.path,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true },
      };
    }
    log.error(
      { path: formatted.path, err: original instanceof Error ? original.name : typeof original, sqlState },
      'unexpected resolver error',
    );
    return {
      message: 'Internal server error.',
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
  const countErrors = (errors: readonly GraphQLError[]) => {
    for (const e of errors) requestErrors.inc({ code: String(e.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR) });
  };
  const observeRequest = (operationName: string | null | undefined, hadErrors: boolean, startedNs: bigint) => {
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    requestDuration.observe({ operation: operationName ?? 'anonymous', outcome: hadErrors ? 'error' : 'ok' }, seconds);
  };
  const includeStacktrace = options.development ?? false;
  const fastPath =
    options.fastPath === false
      ? null
      : new SubgraphFastPath<C>({
          schema,
          formatError,
          includeStacktrace,
          onErrors: countErrors,
          onResponse: (operationName, hadErrors, startedNs) => {
            fastPathAnswers.inc();
            observeRequest(operationName, hadErrors, startedNs);
          },
        });

  const apollo = new ApolloServer<C>({
    schema,
    includeStacktraceInErrorResponses: includeStacktrace,
    // The entry point owns SIGTERM/SIGINT and closes HTTP, sockets, workers and stores in order;
    // Apollo's own handler would stop Apollo alone and re-raise the signal behind our back.
    stopOnTerminationSignals: false,
    formatError,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Both add per-field hooks; we use neither traces nor cache hints.
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      responseTypePlugin<C>(),
      {
        async requestDidStart() {
          const started = process.hrtime.bigint();
          return {
            async didEncounterErrors({ errors }) {
              countErrors(errors);
            },
            async willSendResponse({ operationName, errors }) {
              observeRequest(operationName, !!errors?.length, started);
            },
          };
        },
      },
      ...(fastPath ? [fastPath.plugin()] : []),
    ],
  });
  await apollo.start();

  const baseContext = async (identity: Identity, requestId: string): Promise<C> => {
    const base: SubgraphContext = { identity, requestId, log: log.child({ requestId }) };
    return options.context ? options.context(base) : (base as C);
  };

  const verifyIdentity = options.identityVerifier ?? createIdentityVerifier(options.internalSecret);

  const routes: Route[] = [
    {
      method: '*',
      path: '/graphql',
      handler: async (req, res, url) => {
        // The identity header is signed over the raw body (a GET's query string): read the bytes,
        // verify, and only then parse. A captured header with another body answers 401.
        let raw: Buffer = Buffer.alloc(0);
        if (req.method === 'POST') {
          const read = await readGraphqlRawBody(req, res);
          if (!read) return;
          raw = read;
        }
        const identity = verifyIdentity(
          req.headers[IDENTITY_HEADER] as string | undefined,
          req.method === 'POST' ? raw : url.search,
        );
        if (!identity) {
          sendGraphqlError(
            res,
            401,
            ErrorCode.UNAUTHENTICATED,
            `${options.name} subgraph: missing or invalid gateway identity`,
          );
          return;
        }
        const context = () => baseContext(identity, requestIdOf(req));
        if (req.method !== 'POST') {
          await executeApolloRequest(apollo, req, res, url, undefined, context);
          return;
        }
        const parsed = graphqlBodyOf(raw, req.headers['content-type']);
        if ('invalid' in parsed) {
          sendGraphqlError(res, 400, ErrorCode.BAD_USER_INPUT, 'body is not valid JSON');
          return;
        }
        if (fastPath && (await fastPath.serve(parsed.body, req, res, context))) return;
        await executeApolloRequest(apollo, req, res, url, parsed.body, context);
      },
    },
    {
      method: 'GET',
      path: '/healthz',
      handler: (_req, res) => sendJson(res, 200, { status: 'ok', service: options.name }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        const ready = options.readiness
          ? await options.readiness().catch((e: unknown) => ({ ok: false, details: { error: String(e) } }))
          : { ok: true };
        sendJson(res, ready.ok ? 200 : 503, {
          status: ready.ok ? 'ready' : 'not-ready',
          service: options.name,
          ...ready.details,
        });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => sendText(res, 200, await metrics.render(), metrics.contentType),
    },
    ...(options.routes ?? []),
  ];
  for (const route of options.routes ?? []) {
    if (!PUBLIC_PREFIXES.some((p) => route.path.startsWith(p)) && !route.path.startsWith('/internal/')) {
      log.debug({ path: route.path }, 'extra route is not under /webhooks/: it must authenticate itself');
    }
  }
  const router = createRouter(
    routes,
    (error, req) => logError(log, error, 'unhandled route error', { path: req.url }),
    options.name,
  );
  const server = createServer((req, res) => void router(req, res), options.tls);

  const running = await listen(server, options.port, options.host).catch(async (error: unknown) => {
    await apollo.stop();
    throw error;
  });
  // Attached once listening: ws re-emits the HTTP server's errors, and graphql-ws would print a
  // busy port as an "internal error" before our start-up could report it.
  let wsServer: WebSocketServer | undefined;
  let wsCleanup: { dispose: () => Promise<void> | void } | undefined;
  if (options.subscriptions) {
    wsServer = new WebSocketServer({ server, path: '/graphql' });
    wsCleanup = useServer<Record<string, unknown>, { identity: Identity; requestId: string }>(
      {
        schema,
        onConnect: (ctx) => {
          const header = (ctx.connectionParams?.[IDENTITY_HEADER] ??
            (ctx.extra.request as IncomingMessage).headers[IDENTITY_HEADER]) as string | undefined;
          const identity = verifyIdentity(header, WEBSOCKET_BINDING);
          if (!identity) return false; // graphql-ws closes with 4403 Forbidden
          ctx.extra.identity = identity;
          ctx.extra.requestId =
            typeof ctx.connectionParams?.['x-request-id'] === 'string'
              ? (ctx.connectionParams['x-request-id'] as string)
              : crypto.randomUUID();
          return true;
        },
        context: (ctx) => baseContext(ctx.extra.identity!, ctx.extra.requestId!),
      },
      wsServer,
    );
  }

  log.info({ port: running.port, subscriptions: !!options.subscriptions }, `${options.name} subgraph listening`);
  let closing: Promise<void> | undefined;
  return {
    name: options.name,
    url: `${running.url}/graphql`,
    baseUrl: running.url,
    port: running.port,
    schema,
    close: () =>
      (closing ??= (async () => {
        if (wsServer) {
          for (const client of wsServer.clients) client.close(1001, 'Going away');
          await wsCleanup?.dispose();
          await new Promise<void>((resolve) => wsServer!.close(() => resolve()));
        }
        await closeServer(server);
        await apollo.stop();
        await options.onClose?.();
      })()),
  };
}
