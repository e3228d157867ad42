import {
  Kind,
  getNamedType,
  isObjectType,
  print,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Which operations the CRM fast path takes (pure, decided once per distinct operation): a query
 * whose every field the CRM contract resolves would be planned into a single `crm` fetch carrying
 * the same selection, so the client's own operation can go to the CRM routing data source instead.
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

/**
 * The text sent to the CRM: exactly one operation, the selected one (a document may carry
 * several), with the fragments it may use; the client's own text when it holds one operation.
 */
export function operationText(document: DocumentNode, operation: OperationDefinitionNode, source: string): string {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length <= 1) return source;
  return print({
    kind: Kind.DOCUMENT,
    definitions: document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION || d === operation),
  });
}
