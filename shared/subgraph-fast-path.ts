import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { execute, type DocumentNode, type GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { apolloResponse } from './graphql-response.js';
import { RememberedOperations } from './remembered-operations.js';
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
  private readonly remembered: RememberedOperations<Remembered>;
  private readonly contentType = createResponseTypeChooser(SINGLE_RESULT_TYPES);

  constructor(private readonly options: SubgraphFastPathOptions) {
    this.remembered = new RememberedOperations(options.maxEntries ?? 500);
  }

  /** Remembers every query and mutation Apollo resolved (parsed and validated) by its text. */
  plugin(): ApolloServerPlugin<C> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ request, document, operation }) => {
          if (!request.query || !operation || operation.operation === 'subscription') return;
          if (this.remembered.has(request.query, request.operationName)) return;
          this.remembered.remember(request.query, request.operationName, {
            document,
            operationName: operation.name?.value,
          });
        },
      }),
    };
  }

  /** Answers a parsed POST body whose text was remembered; false: not handled, run it through Apollo. */
  async serve(body: unknown, req: IncomingMessage, res: ServerResponse, context: () => Promise<C>): Promise<boolean> {
    const found = this.remembered.find(body);
    if (!found) return false;
    const { operation, value: entry } = found;
    const contentType = this.contentType(req.headers.accept);
    if (!contentType) return false;

    const started = process.hrtime.bigint();
    const result = await execute({
      schema: this.options.schema,
      document: entry.document,
      contextValue: await context(),
      variableValues: operation.variables,
      operationName: operation.operationName,
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
