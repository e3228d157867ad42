import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { asksForSchema } from '../../gateway/introspection-guard.js';

// The walk is remembered per parsed document (issue 17): a remembered answer must be the same as a
// fresh walk, for every document, however often it is asked.
describe('asksForSchema', () => {
  it('answers each document as a fresh walk would, on every repeat', () => {
    const hidden = parse(
      'query { contact(id: "1") { ...F } } fragment F on Contact { id ... on Contact { alias: __type(name: "Contact") { name } } }',
    );
    const plain = parse('query { contact(id: "1") { id name { full } } }');
    for (let i = 0; i < 3; i++) {
      expect(asksForSchema(hidden)).toBe(true);
      expect(asksForSchema(plain)).toBe(false);
    }
    // Another parse of the same text is another document: walked on its own.
    expect(asksForSchema(parse('{ __schema { types { name } } }'))).toBe(true);
    expect(asksForSchema(parse('query { contact(id: "1") { id name { full } } }'))).toBe(false);
  });
});
