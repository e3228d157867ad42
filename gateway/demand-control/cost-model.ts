import {
  Kind,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * The static cost model (the idea of the GraphQL cost specification's `@cost` / `@listSize`,
 * kept as a table here so the subgraph SDLs stay unchanged). Pure: document + variables in, a
 * number out; no I/O, no clock.
 *
 * cost(field) = weight(field) + listSize(field) × cost(selection of field)
 * - weight: from FIELD_COSTS, else 1 for a field returning an object, 0 for a scalar or enum;
 * - listSize: for a list field, the length of its sizing argument (`contacts(ids:)`), the value of
 *   its slicing argument (`limit`, `first`, or their default), or its assumed size; 1 otherwise.
 * Fields that reach a CRM or write an audit row are the expensive ones, and weigh accordingly.
 */
export interface FieldCost {
  /** Cost of resolving the field itself (per parent item). */
  weight?: number;
  /** The list argument whose length is the result size (`ids`): each item costs `weight`. */
  sizedBy?: string;
  /** An Int argument bounding the result size (`limit`, `first`); its default applies when absent. */
  slicingArgument?: string;
  /** Result size assumed when nothing in the request bounds it. */
  assumedSize?: number;
}

/** A CRM round trip (cache miss) or a consent decision with its audit row. */
const CRM_READ = 10;
const AUDITED_DECISION = 10;
const WRITE = 20;

export const FIELD_COSTS: Readonly<Record<string, FieldCost>> = {
  // CRM reads (source routing: one CRM call per id batch; contactsByPhone asks every CRM).
  'Query.contact': { weight: CRM_READ },
  'Query.contacts': { weight: CRM_READ, sizedBy: 'ids' },
  'Query.contactsByPhone': { weight: 2 * CRM_READ, assumedSize: 3 },
  // Consent decisions: policy evaluation, ledger/suppression reads, one audit row each.
  'Query.callPermission': { weight: AUDITED_DECISION },
  'Contact.callPermission': { weight: AUDITED_DECISION },
  // Entity joins into engagement (one fetch per contact batch).
  'Contact.intentStage': { weight: 2 },
  'Contact.lastInteraction': { weight: 2 },
  // Ledger and audit reads, bounded by their limit argument.
  'Query.consentRevocations': { weight: 2, slicingArgument: 'limit' },
  'Query.auditTrail': { weight: 2, slicingArgument: 'limit' },
  'Query.writeBacks': { weight: 2 },
  // A page of write-backs: `first` defaults to 50 (the connection's sizing argument lives on its parent).
  'WriteBackConnection.nodes': { assumedSize: 50 },
  // Writes: a transaction and (for consent) an audit row each.
  'Mutation.authorizeCall': { weight: WRITE },
  'Mutation.recordConsent': { weight: WRITE },
  'Mutation.revokeConsent': { weight: WRITE },
  'Mutation.addInternalDnc': { weight: WRITE },
  'Mutation.recordRelationship': { weight: WRITE },
  'Mutation.recordCallOutcome': { weight: WRITE },
  'Mutation.replayWriteBacks': { weight: 5 * WRITE },
  'Subscription.consentRevoked': { weight: 5 },
};

/** Size assumed for a list field the table does not describe (phones, obligations, reasons...). */
export const DEFAULT_ASSUMED_LIST_SIZE = 5;

function isListOutput(type: GraphQLType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

function argumentNode(field: FieldNode, name: string): ValueNode | undefined {
  return field.arguments?.find((a) => a.name.value === name)?.value;
}

/** Length of a list argument (literal or variable); a single value coerces to a list of one. */
function listArgumentLength(value: ValueNode | undefined, variables: Readonly<Record<string, unknown>>): number {
  if (!value) return 0;
  if (value.kind === Kind.LIST) return value.values.length;
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return Array.isArray(v) ? v.length : v == null ? 0 : 1;
  }
  return value.kind === Kind.NULL ? 0 : 1;
}

function intArgument(
  field: FieldNode,
  definition: GraphQLField<unknown, unknown>,
  name: string,
  variables: Readonly<Record<string, unknown>>,
): number | undefined {
  const value = argumentNode(field, name);
  let raw: unknown;
  if (value?.kind === Kind.INT) raw = Number(value.value);
  else if (value?.kind === Kind.VARIABLE) raw = variables[value.name.value];
  if (raw === undefined || raw === null) raw = definition.args.find((a) => a.name === name)?.defaultValue;
  return typeof raw === 'number' && Number.isFinite(raw) ? Math.max(0, Math.trunc(raw)) : undefined;
}

/**
 * The operation's cost. Unknown fields and fragments count 0 (validation refuses them later);
 * fragment cycles stop at the first repeat (also refused by validation).
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>> = {},
  costs: Readonly<Record<string, FieldCost>> = FIELD_COSTS,
): number {
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;
  const visiting = new Set<string>();

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typed = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (typed) total += selectionCost(selection.selectionSet, typed);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visiting.has(fragment.name.value)) continue;
        const typed = schema.getType(fragment.typeCondition.name.value);
        if (!typed) continue;
        visiting.add(fragment.name.value);
        total += selectionCost(fragment.selectionSet, typed);
        visiting.delete(fragment.name.value);
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType): number => {
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const definition = parent.getFields()[node.name.value];
    if (!definition) return 0;
    const named = getNamedType(definition.type);
    const spec = costs[`${parent.name}.${node.name.value}`] ?? {};
    const weight = spec.weight ?? (isCompositeType(named) ? 1 : 0);
    if (spec.sizedBy) {
      const items = listArgumentLength(argumentNode(node, spec.sizedBy), variables);
      return items * (weight + (node.selectionSet ? selectionCost(node.selectionSet, named) : 0));
    }
    let size = 1;
    if (isListOutput(definition.type)) {
      size =
        (spec.slicingArgument ? intArgument(node, definition, spec.slicingArgument, variables) : undefined) ??
        spec.assumedSize ??
        DEFAULT_ASSUMED_LIST_SIZE;
    }
    return weight + (node.selectionSet ? size * selectionCost(node.selectionSet, named) : 0);
  };

  return selectionCost(operation.selectionSet, root);
}
