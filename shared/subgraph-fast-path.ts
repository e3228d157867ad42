import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { execute, type DocumentNode, type GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { apolloResponse } from './graphql-response.js';
import { SINGLE_RESULT_TYPES, createResponseTypeChooser } from './response-type.js';

/**
 * A subgraph's fast path: the gateway sends each subgraph the same few operation texts all day
 * (the call-start plan's three fetches), and Apollo Server runs its whole request pipeline for
 * each (hashing the text, a document-store lookup, a dozen plugin hooks, a content negotiation per
 * request). An operation Apollo has parsed, validated and resolved once is remembered by its
 * text (the plugin); later requests with that text are executed here with graphql-js on the same
 * schema and context, and answered as Apollo answers (shared/graphql-response.ts), with the
 * server's own error formatter, metrics hooks and Content-Type choice. Byte-identical to Apollo's
 * answers: test/subgraph-fast-path.test.ts. Anything else goes through Apollo: an unknown text,
 * an Accept header with no single-result type, extensions (APQ), and variables graphql-js refuses
 * (nothing ran; Apollo words the 400).
 */

interface Remembered {
  document: DocumentNode;
  /** The resolved operation's name, as Apollo's hooks see it. */
  operationName: string | undefined;
}

export interface SubgraphFastPathOptions {
  schema: GraphQLSchema;
  /** The server's formatError (the same function Apollo Server is given). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  includeStacktrace: boolean;
  /** What the server's metrics plugin does with a request's errors (didEncounterErrors). */
  onErrors: (errors: readonly GraphQLError[]) => void;
  /** What the server's metrics plugin does when a response is sent (willSendResponse). */
  onResponse: (operationName: string | undefined, hadErrors: boolean, startedNs: bigint) => void;
  /** Operations remembered (oldest dropped first). @default 500 */
  maxEntries?: number;
}

export class SubgraphFastPath<C extends BaseContext> {
  private readonly remembered = new Map<string, Remembered>();
  private readonly contentType = createResponseTypeChooser(SINGLE_RESULT_TYPES);
  private readonly maxEntries: number;

  constructor(private readonly options: SubgraphFastPathOptions) {
    this.maxEntries = options.maxEntries ?? 500;
  }

  /** Remembers every query and mutation Apollo resolved (parsed and validated) by its text. */
  plugin(): ApolloServerPlugin<C> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ request, document, operation }) => {
          if (!request.query || !operation || operation.operation === 'subscription') return;
          const key = textKey(request.query, request.operationName);
          if (this.remembered.has(key)) return;
          if (this.remembered.size >= this.maxEntries)
            this.remembered.delete(this.remembered.keys().next().value as string);
          this.remembered.set(key, { document, operationName: operation.name?.value });
        },
      }),
    };
  }

  /** Answers a parsed POST body whose text was remembered; false: not handled, run it through Apollo. */
  async serve(body: unknown, req: IncomingMessage, res: ServerResponse, context: () => Promise<C>): Promise<boolean> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
    const { query, operationName, variables, extensions } = body as Record<string, unknown>;
    if (typeof query !== 'string' || extensions != null) return false;
    if (operationName != null && typeof operationName !== 'string') return false;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
    const entry = this.remembered.get(textKey(query, operationName));
    if (!entry) return false;
    const contentType = this.contentType(req.headers.accept);
    if (!contentType) return false;

    const started = process.hrtime.bigint();
    const result = await execute({
      schema: this.options.schema,
      document: entry.document,
      contextValue: await context(),
      variableValues: variables as Record<string, unknown> | undefined,
      operationName: (operationName as string | undefined) ?? undefined,
    });
    // No data: a request error (variables graphql-js refused) before any resolver ran. Apollo words it.
    if (result.data === undefined) return false;
    if (result.errors?.length) this.options.onErrors(result.errors);
    const answer = apolloResponse(result, this.options.formatError, this.options.includeStacktrace);
    res.writeHead(answer.status, { 'content-type': contentType, 'content-length': Buffer.byteLength(answer.text) });
    res.end(answer.text);
    this.options.onResponse(entry.operationName, !!result.errors?.length, started);
    return true;
  }
}

function textKey(query: string, operationName: unknown): string {
  return `${typeof operationName === 'string' ? operationName : ''}\u0000${query}`;
}
