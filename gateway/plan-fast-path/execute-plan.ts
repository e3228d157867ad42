import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { generateHydratedPaths } from '@apollo/gateway/dist/executeQueryPlan.js';
import { deepMerge } from '@apollo/gateway/dist/utilities/deepMerge.js';
import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import { GraphQLError, Kind, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import type { GatewayContext } from '../gateway-context.js';
import type { SubgraphResult } from '../subgraph-endpoint.js';
import type { FetchNode, LeanPlanNode, RequiresSelection } from './plan-nodes.js';

/**
 * Runs a remembered query plan as @apollo/gateway's executeQueryPlan (2.14) does, minus what we
 * never use on this lane: usage-reporting trace nodes, OpenTelemetry spans, and the Operation it
 * rebuilds from the document on every request (the caller keeps one per remembered operation).
 * Same data-source calls, same merges (Apollo's own deepMerge / applyRewrites / isObjectOfType /
 * generateHydratedPaths), same downstream-error wording and paths; only node kinds eligibility.ts
 * accepts reach it. Where Apollo throws a bare Error (a malformed subgraph answer) this throws a
 * DialplaneError with the same message: Apollo Server words both the same way. test/gateway/plan-fast-path.test.ts holds it to Apollo's answers byte for byte.
 */

type Data = Record<string, unknown>;

interface Cursor {
  path: (string | number)[];
  data: unknown;
  fullResult: Data;
}

export interface PlanExecution {
  serviceMap: Record<string, GraphQLDataSource<GatewayContext>>;
  supergraphSchema: GraphQLSchema;
  /** The request's variables as the client sent them (Apollo passes these, not coerced ones). */
  variables: Record<string, unknown>;
  context: GatewayContext;
}

/** Executes the plan; answers the unfiltered data (to shape with computeResponse) and the errors met. */
export async function executeLeanPlan(
  node: LeanPlanNode | undefined,
  run: PlanExecution,
): Promise<{ data: Data; errors: unknown[] }> {
  const data: Data = Object.create(null);
  const errors: unknown[] = [];
  if (node) await executeNode(node, { path: [], data, fullResult: data }, run, errors);
  return { data, errors };
}

async function executeNode(node: LeanPlanNode, cursor: Cursor | undefined, run: PlanExecution, errors: unknown[]) {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(child, cursor, run, errors);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(child, cursor, run, errors)));
      return;
    case 'Flatten':
      await executeNode(node.node, moveIntoCursor(cursor, node.path), run, errors);
      return;
    case 'Fetch':
      try {
        await executeFetch(node, cursor, run, errors);
      } catch (error) {
        errors.push(error);
      }
  }
}

async function executeFetch(fetch: FetchNode, cursor: Cursor, run: PlanExecution, errors: unknown[]): Promise<void> {
  const service = run.serviceMap[fetch.serviceName];
  if (!service)
    throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `Couldn't find service with name "${fetch.serviceName}"`);
  const entities = (
    Array.isArray(cursor.data) ? cursor.data.filter((e) => e !== null && e !== undefined) : [cursor.data]
  ) as Data[];
  if (entities.length < 1) return;
  const variables: Record<string, unknown> = Object.create(null);
  for (const name of fetch.variableUsages ?? []) {
    if (Object.hasOwn(run.variables, name) && run.variables[name] !== undefined) variables[name] = run.variables[name];
  }

  const send = async (vars: Record<string, unknown>): Promise<Data | null | undefined> => {
    const response = (await service.process({
      kind: 'incoming operation',
      request: { query: fetch.operation, variables: vars, operationName: fetch.operationName },
      context: run.context,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>)) as SubgraphResult;
    if (response.errors) {
      const pathOf = lazyErrorPath(fetch, cursor);
      for (const error of response.errors) errors.push(downstreamServiceError(error, fetch.serviceName, pathOf));
    }
    return response.data;
  };

  if (!fetch.requires) {
    const received = await send(variables);
    if (received) applyRewrites(run.supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }
  const representations: Data[] = [];
  const representationToEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = selectionOf(run.supergraphSchema, entity, fetch.requires!);
    if (representation?.__typename) {
      applyRewrites(run.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      representationToEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables)
    throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `Variables cannot contain key "representations"`);
  const received = await send({ ...variables, representations });
  if (!received) return;
  if (!(received._entities && Array.isArray(received._entities)))
    throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `Expected "data._entities" in response to be an array`);
  const receivedEntities = received._entities as (Data | null)[];
  if (receivedEntities.length !== representations.length)
    throw new DialplaneError(
      ErrorCode.INTERNAL_SERVER_ERROR,
      `Expected "data._entities" to contain ${representations.length} elements`,
    );
  // Apollo's loop, kept as it is (it runs over the entities, indexing the received ones).
  for (let i = 0; i < entities.length; i++) {
    const receivedEntity = receivedEntities[i];
    const existingEntity = entities[representationToEntity[i]!] as Data;
    if (receivedEntity && !receivedEntity.__typename) receivedEntity.__typename = existingEntity.__typename;
    applyRewrites(run.supergraphSchema, fetch.outputRewrites, receivedEntity as Data);
    deepMerge(entities[representationToEntity[i]!], receivedEntity);
  }
}

/** Apollo's executeSelectionSet: the representation an entity gives for the fetch's `requires`. */
function selectionOf(schema: GraphQLSchema, source: unknown, selections: readonly RequiresSelection[]): Data | null {
  if (source === null) return null;
  const object = source as Data;
  const result: Data = Object.create(null);
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const responseName = selection.alias ?? selection.name;
      const value = Object.hasOwn(object, responseName) ? object[responseName] : undefined;
      if (value === undefined) return null;
      const inner = selection.selections;
      if (Array.isArray(value)) result[responseName] = value.map((v) => (inner ? selectionOf(schema, v, inner) : v));
      else result[responseName] = inner ? selectionOf(schema, value, inner) : value;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!selection.typeCondition || !source) continue;
      if (isObjectOfType(schema, object, selection.typeCondition))
        deepMerge(result, selectionOf(schema, object, selection.selections));
    }
  }
  return result;
}

function moveIntoCursor(cursor: Cursor, path: readonly (string | number)[]): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, path);
  return data
    ? { path: cursor.path.concat(path as (string | number)[]), data, fullResult: cursor.fullResult }
    : undefined;
}

function flattenResultsAtPath(value: unknown, path: readonly (string | number)[]): unknown {
  if (path.length === 0) return value;
  if (value === undefined || value === null) return value;
  const [current, ...rest] = path;
  if (current === '@') return (value as unknown[]).flatMap((element) => flattenResultsAtPath(element, rest));
  if (typeof current !== 'string' || Array.isArray(value))
    throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `Unexpected path element ${current}`);
  return flattenResultsAtPath(Object.hasOwn(value as Data, current) ? (value as Data)[current] : undefined, rest);
}

/** Apollo's makeLazyErrorPathGenerator: a subgraph error's path in the client's response. */
function lazyErrorPath(fetch: FetchNode, cursor: Cursor) {
  let hydrated: (string | number)[][] | undefined;
  return (errorPath: readonly (string | number)[] | undefined): (string | number)[] | undefined => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydrated) {
        hydrated = [];
        generateHydratedPaths([], cursor.path as never, cursor.fullResult as never, hydrated as never);
      }
      return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath] : undefined;
  };
}

/** Apollo's downstreamServiceError: the subgraph's error with `serviceName`, its code kept or DOWNSTREAM_SERVICE_ERROR. */
function downstreamServiceError(
  original: GraphQLFormattedError,
  serviceName: string,
  pathOf: (path: readonly (string | number)[] | undefined) => (string | number)[] | undefined,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = original;
  const options = {
    originalError: original as unknown as Error,
    path: pathOf(original.path),
    extensions: { ...extensions, serviceName },
  };
  const codeDef = errorCodeDef(original as never);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}
