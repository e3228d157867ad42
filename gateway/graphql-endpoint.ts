import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import {
  apolloHandler,
  executeApolloRequest,
  readGraphqlRawBody,
  requestIdOf,
  sendJson,
  type Route,
} from '../shared/http.js';
import type { Identity } from '../shared/identity.js';
import { setSpanAttributes } from '../shared/tracing.js';
import { AuthenticationError, type Authenticator } from './authenticator.js';
import type { CrmFastPath } from './crm-fast-path/crm-fast-path.js';
import type { PlanFastPath } from './plan-fast-path/plan-fast-path.js';
import type { Admission, OperationBody } from './demand-control/admission.js';
import type { GatewayContext } from './gateway-context.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { chooseLane, refused, requestForm, unauthenticated, type Lane } from './graphql-route.js';

/**
 * The `/graphql` HTTP route: the I/O around graphql-route.ts. It authenticates the caller, enters
 * the door (per-caller concurrency), reads a JSON body, asks graphql-route.ts for the lane and
 * serves it: a refusal, a fast path's entry before Apollo (CRM, then plan), or Apollo Server.
 */
export function graphqlEndpoint(deps: {
  apollo: ApolloServer<GatewayContext>;
  authenticator: Authenticator;
  admission: Admission;
  metrics: GatewayMetrics;
  fastPath: CrmFastPath | null;
  planFastPath: PlanFastPath | null;
  contextFor: (identity: Identity, requestId: string) => GatewayContext;
}): Route {
  const { apollo, authenticator, admission, metrics, fastPath, planFastPath, contextFor } = deps;
  const identities = new WeakMap<IncomingMessage, GatewayContext>();
  const graphql = apolloHandler(apollo, async (req) => {
    const known = identities.get(req);
    if (!known) throw new AuthenticationError('missing', 'Authentication required.');
    return known;
  });
  /** POST bodies are read here (the CRM fast path looks at them first) and handed to Apollo as parsed. */
  const apolloWithBody = (req: IncomingMessage, res: ServerResponse, url: URL, body: unknown) =>
    executeApolloRequest(apollo, req, res, url, body, async () => identities.get(req)!);

  /** Does what the route decision (graphql-route.ts) said. */
  const serveLane = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    lane: Lane,
    context?: GatewayContext,
  ) => {
    // The operation's name on the request span (tracing on), e.g. the platforms' call start.
    if (lane.operationName !== undefined) setSpanAttributes({ 'graphql.operation.name': lane.operationName });
    switch (lane.lane) {
      case 'refused':
        sendJson(res, lane.status, { errors: lane.errors }, lane.headers);
        return;
      case 'landing-page':
        await graphql(req, res, url);
        return;
      case 'fast-path':
        context!.admitted = true;
        if (await fastPath?.serveRemembered(lane.body, req, res, context!)) return;
        if (await planFastPath?.serveRemembered(lane.body, req, res, context!)) return;
        await apolloWithBody(req, res, url, lane.body);
        return;
      case 'apollo':
        if (lane.admitted) context!.admitted = true;
        if (lane.body) await apolloWithBody(req, res, lane.url, lane.body.value);
        else await graphql(req, res, lane.url);
    }
  };

  return {
    method: '*',
    path: '/graphql',
    handler: async (req, res, url) => {
      const requestId = requestIdOf(req);
      res.setHeader('x-request-id', requestId);
      const form = requestForm(req.method, req.headers);
      // The landing page (a browser GET asking for HTML) is static; everything else needs a token.
      if (form === 'landing-page') {
        await serveLane(req, res, url, { lane: 'landing-page' });
        return;
      }
      let context: GatewayContext;
      try {
        context = contextFor(await authenticator.authenticate(req.headers.authorization), requestId);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        metrics.authFailures.inc({ reason: error.reason });
        await serveLane(req, res, url, unauthenticated(error.message));
        return;
      }
      identities.set(req, context);
      const entered = await admission.enter(context.identity);
      if ('status' in entered) {
        await serveLane(req, res, url, refused(entered));
        return;
      }
      try {
        const rawBody = form === 'json-body' ? await readGraphqlRawBody(req, res) : undefined;
        if (rawBody === null) return; // too large: answered 413
        const door = {
          admitSearch: (target: URL) => admission.admitSearch(target, context.identity),
          admitOperation: (body: OperationBody) => admission.admitOperation(body, context.identity),
        };
        await serveLane(
          req,
          res,
          url,
          chooseLane({ form, url, rawBody }, door, fastPath !== null || planFastPath !== null),
          context,
        );
      } finally {
        entered.release();
      }
    },
  };
}
