import {
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  parse,
  print,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';

/**
 * How a `crm` fetch is routed, worked out once per distinct subgraph operation and cached: the
 * query planner emits a small, stable set of operations, so the per-request work is only reading
 * ids out of the variables.
 *
 * Root fields are classified by their definition in the supergraph, so the rules hold for any
 * field a future contract adds:
 * - an `ids: [ID]` argument: split the ids by CRM, ask each CRM for its share, reassemble in order;
 * - an `id: ID` argument: send to the CRM named by the id's source prefix;
 * - a list result without either: ask every CRM, concatenate (e.g. `contactsByPhone`);
 * - anything else (`__typename`): the first configured CRM.
 */
export type RootRoute = 'splitIds' | 'byId' | 'fanOut' | 'first';

export interface RootFieldPlan {
  responseKey: string;
  route: RootRoute;
  /** The argument carrying ids (`id` / `ids`), literal or variable, for byId and splitIds. */
  idArgument?: ValueNode;
}

export type CrmFetchPlan =
  | { kind: 'entities' }
  | { kind: 'root'; fields: RootFieldPlan[]; rewrite: (fieldIndexes: readonly number[]) => string };

/** Variable the gateway injects to carry one CRM's share of a split `ids` argument. */
export const splitVariableName = (fieldIndex: number) => `__dp_ids_${fieldIndex}`;

export class CrmFetchPlanner {
  private readonly cache = new Map<string, CrmFetchPlan>();

  constructor(
    private readonly supergraph: GraphQLSchema,
    private readonly maxEntries = 2_000,
  ) {}

  planFor(query: string, document?: DocumentNode): CrmFetchPlan {
    const cached = this.cache.get(query);
    if (cached) return cached;
    const plan = this.build(document ?? parse(query));
    // A bounded map is enough: the planner's operation set is small; the bound only guards memory
    // against clients that generate unbounded distinct operations.
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(query, plan);
    return plan;
  }

  private build(document: DocumentNode): CrmFetchPlan {
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    if (!operation) throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, 'crm fetch without an operation');
    const rootFields = operation.selectionSet.selections;
    const onlyField = rootFields.length === 1 && rootFields[0]!.kind === Kind.FIELD ? rootFields[0] : undefined;
    if (onlyField && onlyField.name.value === '_entities') return { kind: 'entities' };

    const rootType =
      operation.operation === 'mutation'
        ? this.supergraph.getMutationType()
        : operation.operation === 'query'
          ? this.supergraph.getQueryType()
          : null;
    const fields: RootFieldPlan[] = rootFields.map((selection) => classify(selection, rootType ?? undefined));
    const rewrites = new Map<string, string>();
    return {
      kind: 'root',
      fields,
      rewrite(fieldIndexes) {
        const key = fieldIndexes.join(',');
        let text = rewrites.get(key);
        if (text === undefined) {
          text = print(subsetDocument(document, operation, fields, fieldIndexes));
          rewrites.set(key, text);
        }
        return text;
      },
    };
  }
}

function unwrap(type: GraphQLType): GraphQLType {
  return isNonNullType(type) ? type.ofType : type;
}

function classify(selection: SelectionNode, rootType: GraphQLObjectType | undefined): RootFieldPlan {
  if (selection.kind !== Kind.FIELD) return { responseKey: '', route: 'first' };
  const responseKey = selection.alias?.value ?? selection.name.value;
  const definition: GraphQLField<unknown, unknown> | undefined = rootType?.getFields()[selection.name.value];
  if (!definition) return { responseKey, route: 'first' };
  const idsArg = definition.args.find(
    (a) => a.name === 'ids' && isListType(unwrap(a.type)) && getNamedType(a.type).name === 'ID',
  );
  const idArg = definition.args.find(
    (a) => a.name === 'id' && getNamedType(a.type).name === 'ID' && !isListType(unwrap(a.type)),
  );
  const argumentValue = (name: string) => selection.arguments?.find((a) => a.name.value === name)?.value;
  if (idsArg) return { responseKey, route: 'splitIds', idArgument: argumentValue('ids') };
  if (idArg) return { responseKey, route: 'byId', idArgument: argumentValue('id') };
  if (isListType(unwrap(definition.type))) return { responseKey, route: 'fanOut' };
  return { responseKey, route: 'first' };
}

/**
 * The operation reduced to some of its root fields, with every kept split field reading its ids
 * from an injected variable, and only the variables and fragments still used (GraphQL validation
 * rejects unused ones).
 */
function subsetDocument(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  fields: readonly RootFieldPlan[],
  fieldIndexes: readonly number[],
): DocumentNode {
  const selections: SelectionNode[] = [];
  const injected: VariableDefinitionNode[] = [];
  for (const index of fieldIndexes) {
    const selection = operation.selectionSet.selections[index]!;
    if (fields[index]!.route === 'splitIds' && selection.kind === Kind.FIELD) {
      const variable = { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: splitVariableName(index) } } as const;
      selections.push({
        ...selection,
        arguments: selection.arguments?.map((a) => (a.name.value === 'ids' ? { ...a, value: variable } : a)),
      } as FieldNode);
      injected.push({
        kind: Kind.VARIABLE_DEFINITION,
        variable,
        type: {
          kind: Kind.NON_NULL_TYPE,
          type: {
            kind: Kind.LIST_TYPE,
            type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
          },
        },
      });
    } else {
      selections.push(selection);
    }
  }

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const collect = (node: { kind: Kind }) => {
    visit(node as DefinitionNode, {
      Variable: (v) => void usedVariables.add(v.name.value),
      FragmentSpread: (s) => {
        if (usedFragments.has(s.name.value)) return;
        usedFragments.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) collect(fragment);
      },
    });
  };
  for (const selection of selections) collect(selection);
  for (const directive of operation.directives ?? []) collect(directive);

  const kept: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((v) => usedVariables.has(v.variable.name.value)),
      ...injected,
    ],
    selectionSet: { ...operation.selectionSet, selections },
  };
  return {
    kind: Kind.DOCUMENT,
    definitions: [kept, ...[...fragments.values()].filter((f) => usedFragments.has(f.name.value))],
  };
}
