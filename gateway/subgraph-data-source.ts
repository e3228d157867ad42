import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayContext } from './gateway-context.js';
import { SubgraphUnavailableError, type SubgraphEndpoint, type SubgraphResult } from './subgraph-endpoint.js';

/**
 * Data source of an ordinary subgraph (consent, engagement): forwards the fetch with the signed
 * identity and request id over the shared keep-alive client. When the subgraph is down the fetch
 * answers SUBGRAPH_UNAVAILABLE errors at the paths it would have filled, so the rest of the
 * response still arrives (the gateway leaves the fields it owns null).
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(private readonly endpoint: SubgraphEndpoint) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResult> {
    if (options.kind !== 'incoming operation') throw new Error(`unsupported data source request kind: ${options.kind}`);
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
      // Entity fetch: one error per entity, so the gateway places each on the object that lost fields.
      if (Array.isArray(representations)) {
        return { data: { _entities: representations.map(() => null) }, errors: representations.map((_, i) => error.toFormatted(['_entities', i])) };
      }
      return { data: null, errors: [error.toFormatted()] };
    }
  }
}
