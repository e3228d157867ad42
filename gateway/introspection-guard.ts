import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, visit, type DocumentNode } from 'graphql';
import { ErrorCode, dialplaneError } from '../shared/errors.js';
import { hasRole } from '../shared/identity.js';
import type { GatewayContext } from './gateway-context.js';

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * True when `__schema` or `__type` appears anywhere in the document: at the root, under an alias,
 * in inline fragments at any depth, or in named fragments (spread anywhere, even inside other
 * fragments). The whole document is walked, so no nesting hides them.
 */
export function asksForSchema(document: DocumentNode): boolean {
  // Apollo hands every request with the same text the same parsed (immutable) document from its
  // document store: walk each one once, not once per request (a walk per call-start, issue 17).
  let found = walked.get(document);
  if (found !== undefined) return found;
  found = walk(document);
  walked.set(document, found);
  return found;
}
const walked = new WeakMap<DocumentNode, boolean>();

function walk(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (!INTROSPECTION_ROOTS.has(node.name.value)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * Introspection for analysts and admins (and anyone in development); agents in production get
 * FORBIDDEN, so the schema is not handed to every holder of an agent token.
 */
export function introspectionGuard(options: { development: boolean }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (options.development || hasRole(contextValue.identity, 'analyst', 'admin')) return;
          if (asksForSchema(document)) {
            const error = dialplaneError(
              ErrorCode.FORBIDDEN,
              'Introspection is available to the analyst and admin roles only.',
            );
            (error.extensions as Record<string, unknown>).http = { status: 403 };
            throw error;
          }
        },
      };
    },
  };
}
