import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';

/**
 * What one document measures, computed once per distinct text: graphql-armor's parser counts the
 * tokens (and stops at the limit, so a huge document is never parsed whole) and its validation
 * rules walk depth, aliases and directives. The rules are given no limit of their own here: they
 * report what they measured and demand-control.ts decides, so refusals carry measured values.
 */
export interface DocumentMeasures {
  document: DocumentNode;
  tokens: number;
  /** Per operation (armor measures each operation definition); the maximum is what counts. */
  depth: number;
  aliases: number;
  directives: number;
  /** The longest list written literally in an argument (variables are measured per request). */
  literalListLength: number;
  operations: ReadonlyMap<string, OperationDefinitionNode>;
  /** The only operation, when the document has exactly one (the usual case). */
  soleOperation?: OperationDefinitionNode;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

export type MeasureOutcome =
  | { kind: 'measured'; measures: DocumentMeasures }
  /** More tokens than the limit: parsing stopped there. */
  | { kind: 'too-many-tokens'; limit: number }
  /** Not parseable: Apollo answers its usual GRAPHQL_PARSE_FAILED. */
  | { kind: 'unparseable' };

const UNBOUNDED = Number.MAX_SAFE_INTEGER;

function longestLiteralList(value: ValueNode): number {
  if (value.kind === Kind.LIST) return Math.max(value.values.length, ...value.values.map(longestLiteralList));
  if (value.kind === Kind.OBJECT) return Math.max(0, ...value.fields.map((f) => longestLiteralList(f.value)));
  return 0;
}

export function measureDocument(schema: GraphQLSchema, text: string, maxTokens: number): MeasureOutcome {
  let document: DocumentNode;
  let tokens: number;
  try {
    const parser = new MaxTokensParserWLexer(text, { n: maxTokens, noLocation: true });
    document = parser.parseDocument();
    tokens = parser.tokenCount;
  } catch (error) {
    if (error instanceof Error && /Token limit/.test(error.message))
      return { kind: 'too-many-tokens', limit: maxTokens };
    if (error instanceof GraphQLError || (error instanceof Error && error.name === 'GraphQLError'))
      return { kind: 'unparseable' };
    throw error;
  }

  let depth = 0;
  let aliases = 0;
  let directives = 0;
  const measured = (set: (n: number) => void) => [(_ctx: unknown, details: { n: number }) => set(details.n)];
  validate(schema, document, [
    maxDepthRule({
      n: UNBOUNDED,
      propagateOnRejection: false,
      onAccept: measured((n) => (depth = Math.max(depth, n))),
    }),
    maxAliasesRule({
      n: UNBOUNDED,
      propagateOnRejection: false,
      onAccept: measured((n) => (aliases = Math.max(aliases, n))),
    }),
    maxDirectivesRule({
      n: UNBOUNDED,
      propagateOnRejection: false,
      onAccept: measured((n) => (directives = Math.max(directives, n))),
    }),
  ]);

  const operations = new Map<string, OperationDefinitionNode>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  let literalListLength = 0;
  let soleOperation: OperationDefinitionNode | undefined;
  let operationCount = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      operationCount++;
      soleOperation = definition;
      operations.set(definition.name?.value ?? '', definition);
    } else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  // Every argument value and variable default in the document, wherever it sits.
  const scan = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) scan(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as { kind?: string; value?: ValueNode; defaultValue?: ValueNode };
    if (n.kind === Kind.ARGUMENT && n.value)
      literalListLength = Math.max(literalListLength, longestLiteralList(n.value));
    if (n.kind === Kind.VARIABLE_DEFINITION && n.defaultValue)
      literalListLength = Math.max(literalListLength, longestLiteralList(n.defaultValue));
    for (const key in n) if (key !== 'loc') scan((n as Record<string, unknown>)[key]);
  };
  scan(document.definitions);

  return {
    kind: 'measured',
    measures: {
      document,
      tokens,
      depth,
      aliases,
      directives,
      literalListLength,
      operations,
      ...(operationCount === 1 ? { soleOperation } : {}),
      fragments,
    },
  };
}

/** The longest array anywhere in the request's variables (bounded walk: the body size bounds it too). */
export function longestVariableList(value: unknown, depth = 0): number {
  if (depth > 8 || typeof value !== 'object' || value === null) return 0;
  if (Array.isArray(value)) {
    let longest = value.length;
    for (const item of value)
      if (typeof item === 'object' && item !== null) longest = Math.max(longest, longestVariableList(item, depth + 1));
    return longest;
  }
  let longest = 0;
  for (const key in value)
    longest = Math.max(longest, longestVariableList((value as Record<string, unknown>)[key], depth + 1));
  return longest;
}
