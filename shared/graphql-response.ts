import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * A single GraphQL result as Apollo Server 5 sends it, for the lanes that answer outside its
 * request pipeline (gateway/plan-fast-path/, shared/subgraph-fast-path.ts): each error enriched
 * (errorNormalize.ts: its JSON, a code, `extensions.http` lifted into the status, a stack trace when
 * asked) and passed through the server's `formatError`; fields in Apollo's order (errors, data,
 * extensions: orderExecutionResultFields) and serialised as prettyJSONStringify does. Both lanes are
 * held to Apollo's bytes by differential tests.
 */
export function apolloResponse(
  result: { data?: unknown; errors?: readonly unknown[]; extensions?: Record<string, unknown> },
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  includeStacktrace: boolean,
): { status: number; text: string; errors?: GraphQLFormattedError[] } {
  let status = 200;
  const errors = result.errors?.map((error) => {
    const { formatted, httpStatus } = enrich(error, includeStacktrace);
    if (httpStatus) status = httpStatus;
    return formatError(formatted, error);
  });
  const text = `${JSON.stringify({ errors, data: result.data, extensions: result.extensions })}\n`;
  return { status, text, errors };
}

/** Apollo Server's enrichError: the error as a GraphQLError's JSON with a code, its `http` lifted out. */
function enrich(error: unknown, includeStacktrace: boolean): { formatted: GraphQLFormattedError; httpStatus?: number } {
  const base = error instanceof Error ? error : new GraphQLError(`Unexpected error value: ${String(error)}`);
  const graphqlError = base instanceof GraphQLError ? base : new GraphQLError(base.message, { originalError: base });
  const extensions: Record<string, unknown> = {
    ...graphqlError.extensions,
    code: graphqlError.extensions.code ?? 'INTERNAL_SERVER_ERROR',
  };
  let httpStatus: number | undefined;
  const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
  if (
    http &&
    typeof http === 'object' &&
    (!('status' in http) || typeof http.status === 'number') &&
    (!('headers' in http) || http.headers instanceof Map)
  ) {
    httpStatus = http.status as number | undefined;
    delete extensions.http;
  }
  if (includeStacktrace) extensions.stacktrace = graphqlError.stack?.split('\n');
  return { formatted: { ...graphqlError.toJSON(), extensions }, httpStatus };
}
