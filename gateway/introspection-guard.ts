import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type SelectionSetNode } from 'graphql';
import { ErrorCode, dialplaneError } from '../shared/errors.js';
import { hasRole } from '../shared/identity.js';
import type { GatewayContext } from './gateway-context.js';

function asksForSchema(selectionSet: SelectionSetNode, depth = 0): boolean {
  // __schema / __type are root fields; fragments at the root are followed a few levels deep.
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && (selection.name.value === '__schema' || selection.name.value === '__type')) return true;
    if (selection.kind === Kind.INLINE_FRAGMENT && depth < 3 && asksForSchema(selection.selectionSet, depth + 1)) return true;
  }
  return false;
}

/**
 * Introspection for analysts and admins (and anyone in development); agents in production get
 * FORBIDDEN, so the schema is not handed to every holder of an agent token.
 */
export function introspectionGuard(options: { development: boolean }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (!operation || options.development || hasRole(contextValue.identity, 'analyst', 'admin')) return;
          let asks = asksForSchema(operation.selectionSet);
          if (!asks) {
            // Named fragments spread at the root.
            for (const definition of document.definitions) {
              if (definition.kind === Kind.FRAGMENT_DEFINITION && definition.typeCondition.name.value === 'Query' && asksForSchema(definition.selectionSet)) asks = true;
            }
          }
          if (asks) {
            const error = dialplaneError(ErrorCode.FORBIDDEN, 'Introspection is available to the analyst and admin roles only.');
            (error.extensions as Record<string, unknown>).http = { status: 403 };
            throw error;
          }
        },
      };
    },
  };
}
