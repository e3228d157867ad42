import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import type { FormattedExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { DialplaneError, ErrorCode } from '../shared/errors.js';
import { createRouter, createServer, listen, sendJson, sendText } from '../shared/http.js';
import { createIdentitySigner, type Identity, type IdentityBinding } from '../shared/identity.js';
import { createLogger, type Logger, logError } from '../shared/logger.js';
import { responseTypePlugin } from '../shared/response-type.js';
import { createAuthenticator, type Authenticator } from './authenticator.js';
import { adminConnectionsProxy } from './admin-connections-proxy.js';
import { adminImportProxy } from './admin-import-proxy.js';
import type { GatewayConfig } from './config.js';
import { CrmFastPath } from './crm-fast-path/crm-fast-path.js';
import { PlanFastPath } from './plan-fast-path/plan-fast-path.js';
import { Admission, toGraphQLError } from './demand-control/admission.js';
import { graphqlEndpoint } from './graphql-endpoint.js';
import { CrmRoutingDataSource } from './crm-routing/crm-routing-data-source.js';
import type { GatewayContext } from './gateway-context.js';
import { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.js';
import { introspectionGuard } from './introspection-guard.js';
import { formattedWithoutSuggestions } from './schema-disclosure.js';
import { operationMetrics } from './operation-metrics.js';
import { consoleRoutes } from './console/console-routes.js';
import { explorerRoutes } from './explorer/explorer-routes.js';
import { browserDevToken, sandboxLandingPage } from './explorer/sandbox.js';
import { createReadinessProbe } from './readiness.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { SubgraphEndpoint } from './subgraph-endpoint.js';
import { createSubgraphHttpClient } from './subgraph-http.js';
import { attachSubscriptionRelay, type OperationRequest } from './subscription-relay.js';
import { readSupergraph } from './supergraph-info.js';

export interface RunningGateway {
  url: string;
  port: number;
  /** Base URL without /graphql (health, metrics). */
  baseUrl: string;
  metrics: GatewayMetrics;
  close(): Promise<void>;
}

export interface GatewayDependencies {
  log?: Logger;
  /** Tests pass false: default process metrics collected by many instances in one process are noise. */
  collectDefaultMetrics?: boolean;
  /**
   * Replace caller authentication and identity signing. Benchmarks only: they measure the same
   * request with the checks switched off (bench/gateway.ts); services never pass these.
   */
  authenticator?: Authenticator;
  identitySigner?: (identity: Identity, body: IdentityBinding) => string;
}

export async function startGateway(config: GatewayConfig, deps: GatewayDependencies = {}): Promise<RunningGateway> {
  const log = deps.log ?? createLogger('gateway', { level: config.logLevel });
  const metrics = createGatewayMetrics({ collectDefault: deps.collectDefaultMetrics ?? true });
  const supergraph = readSupergraph(config.supergraphSdl);
  const authenticator = deps.authenticator ?? createAuthenticator(config.jwt);
  const httpClient = createSubgraphHttpClient({ timeoutMs: config.subgraphTimeoutMs });

  const crmEndpoints = config.crmSubgraphs.map((c) => new SubgraphEndpoint(c.name, c.url, httpClient, metrics));
  const crmSource = new CrmRoutingDataSource(crmEndpoints, supergraph.schema);
  const subgraphUrl = (name: string): string | undefined => config.subgraphUrls[name] ?? supergraph.subgraphs.get(name);
  const formatError = (e: GraphQLFormattedError) => formatGatewayError(e, config.development);
  const recorder = operationMetrics(metrics, log);
  const planFastPath =
    config.planFastPath === false
      ? null
      : new PlanFastPath({
          supergraphSdl: config.supergraphSdl,
          formatError,
          includeStacktrace: config.development,
          recorder,
          metrics,
        });
  const gateway = new ApolloGateway({
    supergraphSdl: config.supergraphSdl,
    ...(planFastPath ? { experimental_didResolveQueryPlan: planFastPath.didResolveQueryPlan } : {}),
    buildService: ({ name, url }): GraphQLDataSource => {
      if (name === 'crm') return crmSource as GraphQLDataSource;
      return new SubgraphDataSource(
        new SubgraphEndpoint(name, config.subgraphUrls[name] ?? url ?? '', httpClient, metrics),
      ) as GraphQLDataSource;
    },
  });

  const admission = new Admission(config.admission ?? {}, supergraph.schema, metrics.metrics, log);
  const devToken = await browserDevToken(config);
  const fastPath =
    config.crmFastPath === false
      ? null
      : CrmFastPath.create({ supergraph, crm: crmSource, formatError, recorder, metrics });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: gateway as never,
    introspection: true, // gated per role by introspectionGuard
    // No "Did you mean …" in production validation errors (gateway/schema-disclosure.ts covers the rest).
    hideSchemaDetailsFromClientErrors: !config.development,
    includeStacktraceInErrorResponses: config.development,
    stopOnTerminationSignals: false, // index.ts owns signals and shuts down in order
    formatError: (formatted) => formatGatewayError(formatted, config.development),
    // Trusted documents replace APQ: ids resolve to registered texts at the door (admission.ts),
    // and nobody registers a new document by sending it.
    persistedQueries: false,
    plugins: [
      admission.plugin(),
      ApolloServerPluginInlineTraceDisabled(),
      // No HTTP cache hints from the gateway: answers are per caller (consent) and freshness is explicit.
      ApolloServerPluginCacheControlDisabled(),
      responseTypePlugin<GatewayContext>(),
      // Sandbox for analysts and in development; agents get no schema from it in production
      // because introspection is refused for their role. /explorer is the offline alternative.
      sandboxLandingPage(devToken) as ApolloServerPlugin<GatewayContext>,
      introspectionGuard({ development: config.development }),
      ...(fastPath ? [fastPath.plugin()] : []),
      recorder.plugin as ApolloServerPlugin<GatewayContext>,
    ],
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });
  await apollo.start();

  // Each subgraph request carries an identity header signed for its own body (shared/identity.ts).
  const signIdentityFor = deps.identitySigner ?? createIdentitySigner(config.internalSecret);
  const contextFor = (identity: Identity, requestId: string): GatewayContext => ({
    identity,
    requestId,
    identityHeaderFor: (body) => signIdentityFor(identity, body),
    log: log.child({ requestId }),
  });

  const readiness = createReadinessProbe({
    subgraphs: [
      ...config.crmSubgraphs.map((s) => ({ ...s, degradable: true })),
      ...[...supergraph.subgraphs.keys()]
        .filter((n) => n !== 'crm')
        .map((name) => ({ name, url: subgraphUrl(name) ?? '' })),
    ],
    isLoaded: () => apiSchema !== undefined,
  });

  const router = createRouter(
    [
      graphqlEndpoint({ apollo, authenticator, admission, metrics, fastPath, planFastPath, contextFor }),
      adminImportProxy({ authenticator, consentUrl: () => subgraphUrl('consent'), signIdentity: signIdentityFor, log }),
      ...adminConnectionsProxy({ authenticator, crms: config.crmSubgraphs, signIdentity: signIdentityFor, log }),
      ...explorerRoutes({ devToken }),
      ...consoleRoutes({
        devToken,
        authenticator,
        crms: config.crmSubgraphs,
        signIdentity: signIdentityFor,
        admit: (identity) => admission.enter(identity),
        log,
      }),
      {
        method: 'GET',
        path: '/healthz',
        handler: (_req, res) => sendJson(res, 200, { status: 'ok', service: 'gateway' }),
      },
      {
        method: 'GET',
        path: '/readyz',
        handler: async (_req, res) => {
          const state = await readiness.check();
          sendJson(res, state.ok ? 200 : 503, {
            status: state.ok ? 'ready' : 'not-ready',
            service: 'gateway',
            ...state,
          });
        },
      },
      {
        method: 'GET',
        path: '/metrics',
        handler: async (_req, res) => sendText(res, 200, await metrics.metrics.render(), metrics.metrics.contentType),
      },
    ],
    (error, req) => logError(log, error, 'unhandled gateway route error', { path: req.url }),
    'gateway',
  );
  const server = createServer((req: IncomingMessage, res: ServerResponse) => void router(req, res), config.tls);

  const executeOperation = async (
    request: OperationRequest,
    identity: Identity,
    requestId: string,
  ): Promise<FormattedExecutionResult> => {
    const entered = await admission.enter(identity);
    if ('status' in entered) return { errors: [entered.error] };
    try {
      return await executeAdmitted(request, identity, requestId);
    } finally {
      entered.release();
    }
  };
  const executeAdmitted = async (
    request: OperationRequest,
    identity: Identity,
    requestId: string,
  ): Promise<FormattedExecutionResult> => {
    const response = await apollo.executeOperation(
      {
        query: request.query,
        variables: request.variables ?? undefined,
        operationName: request.operationName ?? undefined,
      },
      { contextValue: contextFor(identity, requestId) },
    );
    if (response.body.kind !== 'single')
      return { errors: [{ message: 'incremental delivery is not supported over WebSocket' }] };
    return response.body.singleResult as FormattedExecutionResult;
  };
  const running = await listen(server, config.port, config.host);
  // Attached once listening: ws re-emits the HTTP server's errors, and graphql-ws would print a
  // busy port as an "internal error" before start-up could report it.
  const relay = attachSubscriptionRelay({
    server,
    path: '/graphql',
    authenticator,
    internalSecret: config.internalSecret,
    apiSchema: () => {
      if (!apiSchema) throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, 'supergraph not loaded');
      return apiSchema;
    },
    subscriptionOwners: supergraph.subscriptionOwners,
    subgraphUrl,
    executeOperation,
    admitSubscription: (request, identity) => {
      const admitted = admission.admitOperation(request, identity);
      return 'status' in admitted ? toGraphQLError(admitted) : null;
    },
    metrics,
    log,
    keepAliveMs: config.keepAliveMs,
    hideSchemaDetails: !config.development,
  });

  log.info(
    { port: running.port, crms: config.crmSubgraphs.map((c) => c.name), subgraphs: [...supergraph.subgraphs.keys()] },
    'gateway listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url: `${running.url}/graphql`,
    baseUrl: running.url,
    port: running.port,
    metrics,
    close: () =>
      (closing ??= (async () => {
        // Order: stop new sockets and say goodbye to subscribers, drain HTTP, then stop Apollo and the client pool.
        await relay.close();
        await running.close();
        await apollo.stop();
        await admission.close();
        httpClient.close();
        log.info('gateway stopped');
      })()),
  };
}

/** Every error leaves with a registered code; internals stay out of production answers. */
export function formatGatewayError(original: GraphQLFormattedError, development: boolean): GraphQLFormattedError {
  const formatted = development ? original : formattedWithoutSuggestions(original);
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
  if (typeof code === 'string' && development) return formatted;
  if (code === undefined && development)
    return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
  return {
    message: development
      ? formatted.message
      : 'Internal server error; the request id in the x-request-id header finds it in the logs.',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
