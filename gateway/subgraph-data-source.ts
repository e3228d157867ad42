import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { GatewayContext } from './gateway-context.js';
import { SubgraphUnavailableError, type SubgraphEndpoint, type SubgraphResult } from './subgraph-endpoint.js';
import { DialplaneError, ErrorCode } from '../shared/errors.js';

/**
 * Data source of an ordinary subgraph (consent, engagement): forwards the fetch with the signed
 * identity and request id over the shared keep-alive client. When the subgraph is down the fetch
 * answers SUBGRAPH_UNAVAILABLE errors at the paths it would have filled, so the rest of the
 * response still arrives (the gateway leaves the fields it owns null).
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(private readonly endpoint: SubgraphEndpoint) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResult> {
    if (options.kind !== 'incoming operation')
      throw new DialplaneError(
        ErrorCode.INTERNAL_SERVER_ERROR,
        `unsupported data source request kind: ${options.kind}`,
      );
    const { request, context } = options;
    try {
      return await this.endpoint.send(
        { query: request.query!, variables: request.variables, operationName: request.operationName },
        context,
      );
    } catch (error) {
      if (!(error instanceof SubgraphUnavailableError)) throw error;
      context.log.warn({ subgraph: this.endpoint.name, reason: error.reason }, 'subgraph unavailable');
      const representations = request.variables?.representations;
      // Entity fetch: the entities stay (as bare objects) and each field this subgraph would have
      // added is null with its own error, at ["contact", "callPermission"] once the gateway maps
      // the path: a null there says "no answer", while the CRM's fields of the object survive.
      if (Array.isArray(representations)) {
        const fields = entityFieldKeys(options.document ?? parse(request.query!));
        if (fields.length === 0) {
          return {
            data: { _entities: representations.map(() => null) },
            errors: representations.map((_, i) => error.toFormatted(['_entities', i])),
          };
        }
        return {
          data: {
            _entities: representations.map((rep) => ({ __typename: (rep as { __typename?: unknown }).__typename })),
          },
          errors: representations.flatMap((_, i) => fields.map((key) => error.toFormatted(['_entities', i, key]))),
        };
      }
      return { data: null, errors: [error.toFormatted()] };
    }
  }
}

/** Response keys of the fields an `_entities` fetch selects on its entities (through inline fragments). */
function entityFieldKeys(document: DocumentNode): string[] {
  const keys = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== '__typename') keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const root of definition.selectionSet.selections) {
      if (root.kind === Kind.FIELD && root.name.value === '_entities' && root.selectionSet) collect(root.selectionSet);
    }
  }
  return [...keys];
}
