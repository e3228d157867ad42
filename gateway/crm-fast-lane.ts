import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { CrmRoutingDataSource } from './crm-routing/crm-routing-data-source.js';
import { coerceVariables, fastPathResult } from './crm-fast-path.js';
import type { GatewayContext } from './gateway-context.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { OperationRecorder } from './operation-metrics.js';
import { RESPONSE_TYPES, createResponseTypeChooser } from '../shared/response-type.js';

/**
 * The fast lane in front of Apollo Server for the hottest operations. Once Apollo has parsed and
 * validated an operation and the CRM fast path found it CRM-only (crm-fast-path.ts remembers it
 * here), later requests with the same text skip Apollo's request pipeline: the CRM routing data
 * source forwards them and a clean answer goes back to the client byte for byte, without a parse
 * and re-serialization. Anything else (a first sight, ids spanning CRMs, a request error such as
 * a bad variable) goes through Apollo, which answers exactly as before.
 */
interface Remembered {
  /** The operation text sent to the CRM (the selected operation only). */
  sendQuery: string;
  operation: OperationDefinitionNode;
}

// The same choice Apollo makes for the same Accept header (both paths answer the same Content-Type).
const JSON_TYPE = RESPONSE_TYPES.json;
const GRAPHQL_RESPONSE_TYPE = RESPONSE_TYPES.graphqlResponseJson;

export class CrmFastLane {
  private readonly remembered = new Map<string, Remembered>();

  constructor(
    private readonly crm: CrmRoutingDataSource,
    private readonly schema: GraphQLSchema,
    private readonly formatError: (error: GraphQLFormattedError) => GraphQLFormattedError,
    private readonly recorder: OperationRecorder,
    private readonly metrics: GatewayMetrics,
    private readonly maxEntries = 2_000,
  ) {}

  remember(query: string, operationName: string | null | undefined, entry: Remembered): void {
    if (this.remembered.size >= this.maxEntries) this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(`${operationName ?? ''}\u0000${query}`, entry);
  }

  private readonly contentType = createResponseTypeChooser([JSON_TYPE, GRAPHQL_RESPONSE_TYPE]);

  /** Answers the request when it can; false means "not handled, run it through Apollo". */
  async tryServe(body: unknown, req: IncomingMessage, res: ServerResponse, context: GatewayContext): Promise<boolean> {
    if (typeof body !== 'object' || body === null) return false;
    const { query, operationName, variables, extensions } = body as Record<string, unknown>;
    if (typeof query !== 'string' || extensions != null) return false;
    if (operationName != null && typeof operationName !== 'string') return false;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
    const entry = this.remembered.get(`${operationName ?? ''}\u0000${query}`);
    if (!entry) return false;
    const contentType = this.contentType(req.headers.accept);
    if (!contentType) return false;
    const coerced = coerceVariables(this.schema, entry.operation, variables as Record<string, unknown> | undefined);
    if (!coerced) return false;

    const started = performance.now();
    const answer = await this.crm.forwardWhole(
      { query: entry.sendQuery, variables: coerced, operationName: operationName ?? undefined },
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
      const result = fastPathResult(answer.result, entry.operation, this.schema.getQueryType()!, this.formatError);
      errors = result.errors;
      text = JSON.stringify(result);
    }
    this.metrics.crmFastPath.inc({ via: 'lane' });
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    this.recorder.record(operationName ?? undefined, 'query', (performance.now() - started) / 1000, errors, context);
    return true;
  }
}
