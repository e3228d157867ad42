import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Experimental_DidResolveQueryPlanCallback, GraphQLDataSource } from '@apollo/gateway';
import { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
import { Supergraph, operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
import {
  GraphQLError,
  Kind,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { apolloResponse } from '../../shared/graphql-response.js';
import { RememberedOperations } from '../../shared/remembered-operations.js';
import { RESPONSE_TYPES, createResponseTypeChooser } from '../../shared/response-type.js';
import { coerceVariables } from '../crm-fast-path/answer.js';
import type { GatewayContext } from '../gateway-context.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import type { OperationRecorder } from '../operation-metrics.js';
import { isPlainQuery, leanPlanRoot } from './eligibility.js';
import { executeLeanPlan } from './execute-plan.js';
import type { LeanPlanNode } from './plan-nodes.js';

/**
 * The plan fast path: the planned path without Apollo Server's request pipeline, for queries that
 * span subgraphs (the call-start document: CRM, then consent and engagement). Apollo plans an
 * operation the first time it sees it, and hands the plan over (`didResolveQueryPlan`, the
 * gateway's experimental_didResolveQueryPlan hook); an eligible plan (eligibility.ts) is
 * remembered with the client's text. Later requests with that text are parsed, their variables
 * checked, and the plan run here (execute-plan.ts: Apollo's executor minus traces and spans),
 * shaped by Apollo's own computeResponse against an Operation built once, and their errors worded
 * as Apollo Server words them; the body is what Apollo would send, byte for byte
 * (test/gateway/plan-fast-path.test.ts). Each request still sends its own subgraph fetches: a
 * consent decision is never shared between callers.
 * Counted in `dialplane_gateway_plan_fast_path_total`. Anything else goes through Apollo, as do
 * requests whose variables Apollo would refuse (it words those).
 */

interface Remembered {
  root: LeanPlanNode | undefined;
  /** The client's operation, for variable checks. */
  operation: OperationDefinitionNode;
  /** The API schema the variables are checked against (the one Apollo validated with). */
  apiSchema: GraphQLSchema;
  /** What computeResponse shapes the merged data with (Apollo rebuilds it on every request). */
  shape: Operation;
  serviceMap: Record<string, GraphQLDataSource<GatewayContext>>;
}

const JSON_TYPE = RESPONSE_TYPES.json;
const GRAPHQL_RESPONSE_TYPE = RESPONSE_TYPES.graphqlResponseJson;

export interface PlanFastPathOptions {
  supergraphSdl: string;
  /** The gateway's error formatter (what Apollo Server's `formatError` does). */
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
  /** Stack traces in errors (development), as Apollo Server's includeStacktraceInErrorResponses. */
  includeStacktrace: boolean;
  recorder: OperationRecorder;
  metrics: GatewayMetrics;
  /** Operations remembered (oldest dropped first). @default 2000 */
  maxEntries?: number;
}

export class PlanFastPath {
  private readonly remembered: RememberedOperations<Remembered>;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly apiSchema: Schema;
  private readonly contentType = createResponseTypeChooser([JSON_TYPE, GRAPHQL_RESPONSE_TYPE]);

  constructor(private readonly options: PlanFastPathOptions) {
    // Built as ApolloGateway builds its own from the same SDL (schema types for merges; the API schema for shaping).
    const supergraph = Supergraph.build(options.supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.remembered = new RememberedOperations(options.maxEntries ?? 2_000);
  }

  /** For ApolloGateway's `experimental_didResolveQueryPlan`: remembers an eligible plan by the client's text. */
  readonly didResolveQueryPlan: Experimental_DidResolveQueryPlanCallback = ({
    queryPlan,
    serviceMap,
    requestContext,
    operationContext,
  }) => {
    const query = requestContext.request.query;
    if (!query) return;
    const operationName = requestContext.request.operationName;
    if (this.remembered.has(query, operationName)) return;
    const root = leanPlanRoot(queryPlan);
    if (root === false || !isPlainQuery(operationContext.operation, operationContext.fragments)) return;
    let shape: Operation;
    try {
      shape = operationFromDocument(
        this.apiSchema,
        {
          kind: Kind.DOCUMENT,
          definitions: [operationContext.operation, ...Object.values(operationContext.fragments)],
        },
        { validate: false },
      );
    } catch {
      return; // Apollo answers it (with the same error) every time
    }
    this.remembered.remember(query, operationName, {
      root,
      operation: operationContext.operation,
      apiSchema: operationContext.schema,
      shape,
      serviceMap: serviceMap as Record<string, GraphQLDataSource<GatewayContext>>,
    });
  };

  /** Forgets every plan (the supergraph changed). */
  clear(): void {
    this.remembered.clear();
  }

  /** Answers a request whose text was remembered; false means "not handled, run it through Apollo". */
  async serveRemembered(
    body: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    context: GatewayContext,
  ): Promise<boolean> {
    const found = this.remembered.find(body);
    if (!found) return false;
    const { operation, value: entry } = found;
    const contentType = this.contentType(req.headers.accept);
    if (!contentType) return false;
    const given = operation.variables ?? {};
    if (!coerceVariables(entry.apiSchema, entry.operation, given)) return false;

    const started = performance.now();
    this.options.metrics.planFastPath.inc();
    const run = await executeLeanPlan(entry.root, {
      serviceMap: entry.serviceMap,
      supergraphSchema: this.supergraphSchema,
      variables: given,
      context,
    });
    const answer = this.shape(entry, given, run);
    res.writeHead(answer.status, { 'content-type': contentType, 'content-length': Buffer.byteLength(answer.text) });
    res.end(answer.text);
    this.options.recorder.record(
      operation.operationName,
      'query',
      (performance.now() - started) / 1000,
      answer.errors,
      context,
    );
    return true;
  }

  /** The response Apollo Server would send for this execution: computeResponse, then its error formatting. */
  private shape(
    entry: Remembered,
    variables: Record<string, unknown>,
    run: { data: Record<string, unknown>; errors: unknown[] },
  ): { status: number; text: string; errors?: GraphQLFormattedError[] } {
    let result: { data?: unknown; errors?: unknown[]; extensions?: Record<string, unknown> };
    try {
      const shaped = computeResponse({
        operation: entry.shape,
        variables,
        input: run.data,
        // Eligible documents hold no introspection (eligibility.ts).
        introspectionHandling: () => null,
      });
      if (run.errors.length === 0 && shaped.errors.length > 0)
        result = { extensions: { valueCompletion: shaped.errors }, data: shaped.data };
      else result = run.errors.length === 0 ? { data: shaped.data } : { errors: run.errors, data: shaped.data };
    } catch (error) {
      result = {
        errors: [
          error instanceof GraphQLError
            ? error
            : error instanceof Error
              ? new GraphQLError(error.message, { originalError: error })
              : new GraphQLError('Unexpected error during query plan execution'),
        ],
      };
    }
    return apolloResponse(result, this.options.formatError, this.options.includeStacktrace);
  }
}
