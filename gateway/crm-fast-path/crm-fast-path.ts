import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { GraphQLFormattedError, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { RememberedOperations } from '../../shared/remembered-operations.js';
import { RESPONSE_TYPES, createResponseTypeChooser } from '../../shared/response-type.js';
import type { CrmRoutingDataSource } from '../crm-routing/crm-routing-data-source.js';
import type { GatewayContext } from '../gateway-context.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import type { OperationRecorder } from '../operation-metrics.js';
import type { SubgraphResult } from '../subgraph-endpoint.js';
import type { SupergraphInfo } from '../supergraph-info.js';
import { coerceVariables, fastPathResult } from './answer.js';
import { isCrmOnlyOperation, operationText } from './eligibility.js';

/**
 * The CRM fast path: a query whose every field the CRM contract resolves (the commonest operation
 * dialplane serves at call start: "who is this contact") goes straight to the CRM routing data
 * source, and its answer is the response: no query plan is executed. It has two entries, both
 * counted in `dialplane_gateway_crm_fast_path_total`:
 * - inside Apollo (`plugin()`, `via="plugin"`): the first sight of an operation, after Apollo has
 *   parsed and validated it and the introspection guard has passed it; eligibility is decided
 *   once per distinct operation (eligibility.ts) and an eligible operation's text is remembered;
 * - before Apollo (`serveRemembered()`, `via="lane"`): later requests with a remembered text skip
 *   Apollo's request pipeline; a clean CRM answer goes back byte for byte, without a parse and
 *   re-serialization. Anything else (ids spanning CRMs, a request error such as a bad variable)
 *   goes through Apollo, which answers exactly as before.
 * Everything else (and every mutation or subscription) takes the planned path.
 */

interface FirstSight {
  eligible: boolean;
  /** The operation text sent to the CRM (the selected operation only). */
  query?: string;
}
interface Remembered {
  sendQuery: string;
  operation: OperationDefinitionNode;
}

// The same choice Apollo makes for the same Accept header (both entries answer the same Content-Type).
const JSON_TYPE = RESPONSE_TYPES.json;
const GRAPHQL_RESPONSE_TYPE = RESPONSE_TYPES.graphqlResponseJson;

export interface CrmFastPathOptions {
  supergraph: SupergraphInfo;
  crm: CrmRoutingDataSource;
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
  recorder: OperationRecorder;
  metrics: GatewayMetrics;
  /** Operations kept by each of the two memories (oldest dropped first). @default 2000 */
  maxEntries?: number;
}

export class CrmFastPath {
  private readonly schema: GraphQLSchema;
  private readonly root: GraphQLObjectType;
  private readonly crmFields: ReadonlySet<string>;
  private readonly maxEntries: number;
  /** Eligibility per distinct operation seen inside Apollo (query hash and operation name). */
  private readonly firstSights = new Map<string, FirstSight>();
  /** Eligible operations by their text, for the entry before Apollo. */
  private readonly remembered: RememberedOperations<Remembered>;
  private readonly contentType = createResponseTypeChooser([JSON_TYPE, GRAPHQL_RESPONSE_TYPE]);

  /** Null when the supergraph has no Query type (nothing can take the fast path). */
  static create(options: CrmFastPathOptions): CrmFastPath | null {
    const root = options.supergraph.schema.getQueryType();
    return root ? new CrmFastPath(options, root) : null;
  }

  private constructor(
    private readonly options: CrmFastPathOptions,
    root: GraphQLObjectType,
  ) {
    this.schema = options.supergraph.schema;
    this.root = root;
    this.crmFields = options.supergraph.resolvableFields.get('crm') ?? new Set<string>();
    this.maxEntries = options.maxEntries ?? 2_000;
    this.remembered = new RememberedOperations(this.maxEntries);
  }

  /** The entry inside Apollo: answers an eligible query from the CRM instead of executing a plan. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => ({
        responseForOperation: async (context) => {
          if (context.operation?.operation !== 'query') return null;
          const sight = this.firstSight(context);
          if (!sight.eligible || !sight.query) return null;
          const variables = coerceVariables(this.schema, context.operation, context.request.variables);
          if (!variables) return null;
          this.options.metrics.crmFastPath.inc({ via: 'plugin' });
          const result = await (this.options.crm as GraphQLDataSource<GatewayContext>).process({
            kind: 'incoming operation' as never,
            request: { query: sight.query, variables, operationName: context.request.operationName },
            context: context.contextValue,
            incomingRequestContext: context as never,
            document: context.document,
          });
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: fastPathResult(
                result as SubgraphResult,
                context.operation,
                this.root,
                this.options.formatError,
              ),
            },
          };
        },
      }),
    };
  }

  /**
   * The entry before Apollo: answers a request whose text was remembered; false means "not
   * handled, run it through Apollo".
   */
  async serveRemembered(
    body: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    context: GatewayContext,
  ): Promise<boolean> {
    const found = this.remembered.find(body);
    if (!found) return false;
    const { operation, value: entry } = found;
    const { operationName, variables } = operation;
    const contentType = this.contentType(req.headers.accept);
    if (!contentType) return false;
    const coerced = coerceVariables(this.schema, entry.operation, variables);
    if (!coerced) return false;

    const started = performance.now();
    const answer = await this.options.crm.forwardWhole(
      { query: entry.sendQuery, variables: coerced, operationName },
      context,
    );
    if (!answer) return false;
    let text: string;
    let errors: readonly GraphQLFormattedError[] | undefined;
    if ('text' in answer) {
      text = answer.text;
    } else {
      // No data at all is a request error (e.g. variable coercion): Apollo words those.
      if (answer.result.data == null) return false;
      const result = fastPathResult(answer.result, entry.operation, this.root, this.options.formatError);
      errors = result.errors;
      text = JSON.stringify(result);
    }
    this.options.metrics.crmFastPath.inc({ via: 'lane' });
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    this.options.recorder.record(operationName, 'query', (performance.now() - started) / 1000, errors, context);
    return true;
  }

  /** Eligibility of an operation Apollo has validated, decided once; an eligible one is remembered by its text. */
  private firstSight(context: GraphQLRequestContext<GatewayContext>): FirstSight {
    const key = `${context.queryHash}:${context.request.operationName ?? ''}`;
    let sight = this.firstSights.get(key);
    if (sight) return sight;
    const { document, operation } = context;
    const eligible = !!document && !!operation && isCrmOnlyOperation(document, operation, this.schema, this.crmFields);
    const query =
      eligible && context.source !== undefined ? operationText(document!, operation!, context.source) : undefined;
    sight = eligible ? { eligible, query } : { eligible };
    if (eligible && query && context.request.query) {
      this.remembered.remember(context.request.query, context.request.operationName, {
        sendQuery: query,
        operation: operation!,
      });
    }
    remember(this.firstSights, this.maxEntries, key, sight);
    return sight;
  }
}

/** A bounded memory: the oldest entry goes first when full. */
function remember<V>(map: Map<string, V>, maxEntries: number, key: string, value: V): void {
  if (map.size >= maxEntries) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
