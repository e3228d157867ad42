import type { GraphQLFormattedError } from 'graphql';

/**
 * What error messages may reveal about the schema. graphql-js adds "Did you mean …?" to
 * validation and variable-coercion errors, naming real fields, arguments, types and enum values,
 * which hands the schema to a caller who may not introspect. In production every message leaves
 * without it: Apollo's own `hideSchemaDetailsFromClientErrors` covers validation on the HTTP path;
 * this covers what that option does not reach (variable coercion errors, the CRM fast path's
 * answers, and validation of operations sent over graphql-ws).
 */

const SUGGESTION = /\s*Did you mean .+?\?/g;

export function withoutSuggestions(message: string): string {
  return message.includes('Did you mean') ? message.replace(SUGGESTION, '').trim() : message;
}

export function formattedWithoutSuggestions(error: GraphQLFormattedError): GraphQLFormattedError {
  const message = withoutSuggestions(error.message);
  return message === error.message ? error : { ...error, message };
}
