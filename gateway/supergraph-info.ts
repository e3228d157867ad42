import {
  Kind,
  buildASTSchema,
  parse,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';

/**
 * What the gateway needs to know about a supergraph besides the query planner's view, read once
 * at start-up from the join__ directives: each subgraph's name and recorded URL, and which
 * subgraph owns each Subscription root field (subscriptions are relayed there, not planned).
 */
export interface SupergraphInfo {
  sdl: string;
  /** The supergraph as a plain graphql-js schema (root field definitions drive CRM routing). */
  schema: GraphQLSchema;
  /** Subgraph name -> URL recorded at composition (configuration overrides it). */
  subgraphs: ReadonlyMap<string, string>;
  /** Subscription root field -> owning subgraph name. */
  subscriptionOwners: ReadonlyMap<string, string>;
  /** Subgraph name -> the `Type.field` coordinates it can resolve by itself (not @external). */
  resolvableFields: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Which subgraphs resolve each object field, from the join__ directives: a field with join__field
 * directives belongs to the graphs they name (minus `external: true`); a field without any belongs
 * to every graph of its type's join__type directives.
 */
function resolvableFieldsOf(document: DocumentNode, enumToName: ReadonlyMap<string, string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (graphEnum: string | undefined, coordinate: string) => {
    const name = graphEnum ? enumToName.get(graphEnum) : undefined;
    if (!name) return;
    let set = out.get(name);
    if (!set) out.set(name, (set = new Set()));
    set.add(coordinate);
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeGraphs = (definition.directives ?? [])
      .filter((d) => d.name.value === 'join__type')
      .map((d) => stringArg(d, 'graph'));
    for (const field of definition.fields ?? []) {
      const coordinate = `${definition.name.value}.${field.name.value}`;
      const joins = (field.directives ?? []).filter((d) => d.name.value === 'join__field');
      if (joins.length === 0) {
        for (const graph of typeGraphs) add(graph, coordinate);
        continue;
      }
      for (const join of joins) {
        const external = join.arguments?.find((a) => a.name.value === 'external')?.value;
        if (external?.kind === Kind.BOOLEAN && external.value) continue;
        add(stringArg(join, 'graph'), coordinate);
      }
    }
  }
  return out;
}

function stringArg(directive: ConstDirectiveNode, name: string): string | undefined {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  return arg && (arg.value.kind === Kind.STRING || arg.value.kind === Kind.ENUM) ? arg.value.value : undefined;
}

export function readSupergraph(sdl: string): SupergraphInfo {
  const document: DocumentNode = parse(sdl);
  const enumToName = new Map<string, string>();
  const subgraphs = new Map<string, string>();
  let subscriptionTypeName = 'Subscription';

  for (const definition of document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph') {
      for (const value of definition.values ?? []) {
        const graph = value.directives?.find((d) => d.name.value === 'join__graph');
        const name = graph && stringArg(graph, 'name');
        if (!graph || !name) continue;
        enumToName.set(value.name.value, name);
        subgraphs.set(name, stringArg(graph, 'url') ?? '');
      }
    }
    if (definition.kind === Kind.SCHEMA_DEFINITION) {
      const op = definition.operationTypes.find((o) => o.operation === 'subscription');
      if (op) subscriptionTypeName = op.type.name.value;
    }
  }

  const subscriptionOwners = new Map<string, string>();
  const subscriptionTypes = document.definitions.filter(
    (d): d is ObjectTypeDefinitionNode | ObjectTypeExtensionNode =>
      (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) &&
      d.name.value === subscriptionTypeName,
  );
  for (const type of subscriptionTypes) {
    const typeGraphs = (type.directives ?? [])
      .filter((d) => d.name.value === 'join__type')
      .map((d) => stringArg(d, 'graph'));
    for (const field of type.fields ?? []) {
      const fieldGraph = field.directives?.find((d) => d.name.value === 'join__field');
      const graphEnum =
        (fieldGraph && stringArg(fieldGraph, 'graph')) ?? (typeGraphs.length === 1 ? typeGraphs[0] : undefined);
      const owner = graphEnum ? enumToName.get(graphEnum) : undefined;
      if (owner) subscriptionOwners.set(field.name.value, owner);
    }
  }

  return {
    sdl,
    schema: buildASTSchema(document, { assumeValidSDL: true }),
    subgraphs,
    subscriptionOwners,
    resolvableFields: resolvableFieldsOf(document, enumToName),
  };
}
