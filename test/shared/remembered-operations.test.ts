import { describe, expect, it } from 'vitest';
import { RememberedOperations, plainOperation } from '../../shared/remembered-operations.js';

describe('remembered operations (the fast paths)', () => {
  it('takes plain operations only: text, an optional name and an optional variables object, no extensions', () => {
    expect(plainOperation({ query: '{ a }' })).toEqual({ query: '{ a }' });
    expect(plainOperation({ query: 'query Q { a }', operationName: 'Q', variables: { x: 1 } })).toEqual({
      query: 'query Q { a }',
      operationName: 'Q',
      variables: { x: 1 },
    });
    expect(plainOperation({ query: '{ a }', operationName: null, variables: null })).toEqual({ query: '{ a }' });
    for (const body of [
      null,
      '{ a }',
      [{ query: '{ a }' }],
      { query: 1 },
      { query: '{ a }', extensions: { persistedQuery: {} } },
      { query: '{ a }', operationName: 3 },
      { query: '{ a }', variables: [1] },
      { query: '{ a }', variables: 'x' },
    ])
      expect(plainOperation(body), JSON.stringify(body)).toBeNull();
  });

  it('finds by text and name, and drops the oldest when full', () => {
    const remembered = new RememberedOperations<string>(2);
    remembered.remember('{ a }', undefined, 'a');
    remembered.remember('query Q { b } query R { c }', 'Q', 'q');
    expect(remembered.find({ query: '{ a }' })?.value).toBe('a');
    expect(remembered.find({ query: 'query Q { b } query R { c }', operationName: 'Q' })?.value).toBe('q');
    expect(remembered.find({ query: 'query Q { b } query R { c }', operationName: 'R' })).toBeNull();
    remembered.remember('{ d }', null, 'd');
    expect(remembered.size).toBe(2);
    expect(remembered.find({ query: '{ a }' })).toBeNull();
    expect(remembered.has('{ d }', undefined)).toBe(true);
  });
});
