import { createRequire } from 'node:module';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/**
 * The Content-Type of a single GraphQL result, chosen from the request's Accept header exactly as
 * Apollo Server chooses it, but once per distinct Accept header instead of once per request: Apollo
 * builds a `negotiator` for every response, which profiles showed at ~2 % of each subgraph's CPU
 * under call-start load (issue 17). Callers send the same one or two Accept headers all day.
 */

// Apollo negotiates with `negotiator`; use the same copy (Apollo's own dependency).
const Negotiator = createRequire(createRequire(import.meta.url).resolve('@apollo/server'))('negotiator') as new (req: {
  headers: { accept?: string };
}) => { mediaType(available: string[]): string | undefined };

/** Apollo Server's media types (MEDIA_TYPES in @apollo/server), in the order Apollo offers them. */
export const RESPONSE_TYPES = {
  json: 'application/json; charset=utf-8',
  graphqlResponseJson: 'application/graphql-response+json; charset=utf-8',
  jsonGraphqlCallback: 'application/json; callbackSpec=1.0; charset=utf-8',
} as const;

/** What Apollo offers for a single result (chooseContentTypeForSingleResultResponse). */
export const SINGLE_RESULT_TYPES = [
  RESPONSE_TYPES.json,
  RESPONSE_TYPES.graphqlResponseJson,
  RESPONSE_TYPES.jsonGraphqlCallback,
];

/**
 * `(accept) => chosen type | null` (null: nothing in `available` is acceptable, Apollo's 406).
 * No Accept header means JSON, as in Apollo. At most `maxEntries` headers are remembered (a
 * client varying its header only costs the negotiation again).
 */
export function createResponseTypeChooser(
  available: readonly string[],
  maxEntries = 100,
): (accept: string | undefined | null) => string | null {
  const chosen = new Map<string, string | null>();
  return (accept) => {
    if (!accept) return RESPONSE_TYPES.json;
    let type = chosen.get(accept);
    if (type === undefined) {
      type = new Negotiator({ headers: { accept } }).mediaType([...available]) ?? null;
      if (chosen.size < maxEntries) chosen.set(accept, type);
    }
    return type;
  };
}

/**
 * Sets the Content-Type of single results before Apollo would negotiate it (Apollo keeps a type a
 * plugin set). When nothing is acceptable it sets none, so Apollo answers its own 406.
 */
export function responseTypePlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  const choose = createResponseTypeChooser(SINGLE_RESULT_TYPES);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response }) {
          if (response.body.kind !== 'single' || response.http.headers.get('content-type')) return;
          const type = choose(request.http?.headers.get('accept'));
          if (type) response.http.headers.set('content-type', type);
        },
      };
    },
  };
}
