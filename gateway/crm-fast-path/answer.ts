import {
  Kind,
  getVariableValues,
  isListType,
  isNonNullType,
  type GraphQLFormattedError,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
} from 'graphql';
import type { SubgraphResult } from '../subgraph-endpoint.js';

/**
 * What the CRM fast path sends and answers, shaped as the planned path would (pure): variables
 * coerced by graphql-js rules, errors worded by the gateway's formatter, root nulls propagated.
 */

/** GraphQL's null propagation for root fields the routing layer may have nulled (a CRM down). */
function propagateRootNulls(
  data: Record<string, unknown>,
  operation: OperationDefinitionNode,
  root: GraphQLObjectType,
): Record<string, unknown> | null {
  const nonNullViolated = (value: unknown, type: GraphQLType): boolean => {
    if (value === null || value === undefined) return isNonNullType(type);
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner) && Array.isArray(value) && isNonNullType(inner.ofType)) return value.some((v) => v === null);
    return false;
  };
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const key = selection.alias?.value ?? selection.name.value;
    const field = root.getFields()[selection.name.value];
    if (!field) continue;
    if (nonNullViolated(data[key], field.type)) {
      // A list holding a null its type forbids becomes null; a non-null root field nulls the data.
      if (isNonNullType(field.type)) return null;
      data[key] = null;
    }
  }
  return data;
}

/**
 * The operation's variables coerced as the planned path would (graphql-js rules), or undefined
 * when they are invalid: then the request takes the planned path, which answers the 400.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): Record<string, unknown> | undefined {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
  return 'errors' in result && result.errors ? undefined : (result.coerced as Record<string, unknown>);
}

/** The client's answer from a CRM result: errors formatted as the planned path words them, root nulls propagated. */
export function fastPathResult(
  result: SubgraphResult,
  operation: OperationDefinitionNode,
  root: GraphQLObjectType,
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError,
): { data: Record<string, unknown> | null; errors?: GraphQLFormattedError[] } {
  const errors = result.errors?.map((e) =>
    formatError({
      message: e.message,
      ...(e.path ? { path: e.path } : {}),
      extensions: { ...e.extensions, code: e.extensions?.code ?? 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'crm' },
    }),
  );
  const data = result.data ? propagateRootNulls({ ...result.data }, operation, root) : null;
  return errors?.length ? { data, errors } : { data };
}
