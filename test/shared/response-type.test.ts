import { ApolloServer, HeaderMap } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseTypePlugin } from '../../shared/response-type.js';

// The Content-Type chosen once per Accept header (issue 17) must be the one Apollo chooses itself:
// the same server with and without the plugin answers every request identically.
const typeDefs = 'type Query { hello: String }';
const resolvers = { Query: { hello: () => 'world' } };

describe('responseTypePlugin', () => {
  const plain = new ApolloServer({ typeDefs, resolvers });
  const remembered = new ApolloServer({ typeDefs, resolvers, plugins: [responseTypePlugin()] });
  beforeAll(async () => {
    await plain.start();
    await remembered.start();
  });
  afterAll(async () => {
    await plain.stop();
    await remembered.stop();
  });

  const ask = async (server: ApolloServer, accept: string | undefined, query: string) => {
    const headers = new HeaderMap([['content-type', 'application/json']]);
    if (accept !== undefined) headers.set('accept', accept);
    const result = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: '', body: { query } },
      context: async () => ({}),
    });
    return {
      status: result.status ?? 200,
      contentType: result.headers.get('content-type'),
      body: result.body.kind === 'complete' ? result.body.string : 'chunked',
    };
  };

  const accepts = [
    undefined,
    'application/json',
    'application/graphql-response+json, application/json',
    'application/json;q=0.5, application/graphql-response+json',
    'application/json; callbackSpec=1.0',
    '*/*',
    'text/html',
    'text/plain;q=0.9, application/*;q=0.1',
  ];

  it('answers the same status, Content-Type and body for every Accept header, twice (remembered)', async () => {
    for (const query of ['{ hello }', '{ nope }']) {
      for (let round = 0; round < 2; round++) {
        for (const accept of accepts) {
          const expected = await ask(plain, accept, query);
          expect(await ask(remembered, accept, query), `${accept} ${query}`).toEqual(expected);
        }
      }
    }
    // The cases above include a 406 (nothing acceptable) and both JSON types.
    const types = await Promise.all(accepts.map(async (a) => (await ask(plain, a, '{ hello }')).contentType));
    expect(types).toContain('application/graphql-response+json; charset=utf-8');
    expect((await ask(plain, 'text/html', '{ hello }')).status).toBe(406);
  });
});
