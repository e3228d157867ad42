import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import {
  Kind,
  getNamedType,
  getVariableValues,
  isListType,
  isNonNullType,
  isObjectType,
  print,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { GatewayContext } from './gateway-context.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { SupergraphInfo } from './supergraph-info.js';
import type { SubgraphResult } from './subgraph-endpoint.js';
import type { CrmFastLane } from './crm-fast-lane.js';

/**
 * The call-start fast path. A query whose every field the CRM contract resolves (the commonest
 * operation dialplane serves: "who is this contact") would be planned into a single `crm` fetch
 * carrying the same selection. For those, the client's own operation goes straight to the CRM
 * routing data source and its answer is the response: no per-request operation rebuild, plan
 * execution or result re-shaping. Everything else (and every mutation or subscription) takes the
 * federated path. Eligibility is decided once per distinct operation.
 */
const ALLOWED_DIRECTIVES = new Set(['include', 'skip']);

export function isCrmOnlyOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  crmFields: ReadonlySet<string>,
): boolean {
  if (operation.operation !== 'query') return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = schema.getQueryType();
  if (!root) return false;
  const visiting = new Set<string>();

  const check = (selectionSet: SelectionSetNode, parent: GraphQLObjectType): boolean => {
    for (const selection of selectionSet.selections) {
      if (selection.directives?.some((d) => !ALLOWED_DIRECTIVES.has(d.name.value))) return false;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') continue;
        if (name.startsWith('__') || !crmFields.has(`${parent.name}.${name}`)) return false;
        const field = parent.getFields()[name];
        if (!field) return false;
        if (selection.selectionSet) {
          const named = getNamedType(field.type);
          if (!isObjectType(named) || !check(selection.selectionSet, named)) return false;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (selection.typeCondition && selection.typeCondition.name.value !== parent.name) return false;
        if (!check(selection.selectionSet, parent)) return false;
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || fragment.typeCondition.name.value !== parent.name || visiting.has(fragment.name.value))
          return false;
        visiting.add(fragment.name.value);
        const ok = check(fragment.selectionSet, parent);
        visiting.delete(fragment.name.value);
        if (!ok) return false;
      }
    }
    return true;
  };
  return check(operation.selectionSet, root);
}

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

export function crmFastPath(options: {
  supergraph: SupergraphInfo;
  crm: GraphQLDataSource<GatewayContext>;
  metrics: GatewayMetrics;
  /** Told about every eligible operation, so later requests with the same text skip Apollo. */
  lane?: CrmFastLane;
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
  maxEntries?: number;
}): ApolloServerPlugin<GatewayContext> {
  const crmFields = options.supergraph.resolvableFields.get('crm') ?? new Set<string>();
  const root = options.supergraph.schema.getQueryType();
  const decisions = new Map<string, { eligible: boolean; query?: string }>();
  const maxEntries = options.maxEntries ?? 2_000;

  const decide = (context: GraphQLRequestContext<GatewayContext>) => {
    const key = `${context.queryHash}:${context.request.operationName ?? ''}`;
    let decision = decisions.get(key);
    if (!decision) {
      const eligible =
        !!context.document &&
        !!context.operation &&
        isCrmOnlyOperation(context.document, context.operation, options.supergraph.schema, crmFields);
      // Send exactly one operation: the selected one (a document may carry several).
      const query =
        eligible && context.document!.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length > 1
          ? print({
              kind: Kind.DOCUMENT,
              definitions: context.document!.definitions.filter(
                (d) => d.kind !== Kind.OPERATION_DEFINITION || d === context.operation,
              ),
            })
          : context.source;
      decision = { eligible, query };
      if (eligible && query && options.lane && context.request.query) {
        options.lane.remember(context.request.query, context.request.operationName, {
          sendQuery: query,
          operation: context.operation!,
        });
      }
      if (decisions.size >= maxEntries) decisions.delete(decisions.keys().next().value as string);
      decisions.set(key, decision);
    }
    return decision;
  };

  return {
    async requestDidStart() {
      return {
        async responseForOperation(context) {
          if (!root || context.operation?.operation !== 'query') return null;
          const decision = decide(context);
          if (!decision.eligible || !decision.query) return null;
          const variables = coerceVariables(options.supergraph.schema, context.operation, context.request.variables);
          if (!variables) return null;
          options.metrics.crmFastPath.inc({ via: 'plugin' });
          const result = await options.crm.process({
            kind: 'incoming operation' as never,
            request: { query: decision.query, variables, operationName: context.request.operationName },
            context: context.contextValue,
            incomingRequestContext: context as never,
            document: context.document,
          });
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: fastPathResult(result as SubgraphResult, context.operation, root, options.formatError),
            },
          };
        },
      };
    },
  };
}
