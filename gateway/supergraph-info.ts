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
      (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && d.name.value === subscriptionTypeName,
  );
  for (const type of subscriptionTypes) {
    const typeGraphs = (type.directives ?? []).filter((d) => d.name.value === 'join__type').map((d) => stringArg(d, 'graph'));
    for (const field of type.fields ?? []) {
      const fieldGraph = field.directives?.find((d) => d.name.value === 'join__field');
      const graphEnum = (fieldGraph && stringArg(fieldGraph, 'graph')) ?? (typeGraphs.length === 1 ? typeGraphs[0] : undefined);
      const owner = graphEnum ? enumToName.get(graphEnum) : undefined;
      if (owner) subscriptionOwners.set(field.name.value, owner);
    }
  }

  return {
    sdl,
    schema: buildASTSchema(document, { assumeValidSDL: true }),
    subgraphs,
    subscriptionOwners,
  };
}
