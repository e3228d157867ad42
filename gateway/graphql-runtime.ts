import { createRequire } from 'node:module';

/**
 * The graphql-js instance Apollo's packages use. They are CommonJS and load graphql's CJS build;
 * Node resolves our `import 'graphql'` to the same file, but ESM-first tools (vitest/vite) pick
 * its `.mjs` build, and graphql-js refuses schemas and errors created by the other copy. Code
 * that hands objects to Apollo or graphql-ws (or receives theirs) goes through this one instance.
 */
export const graphqlRuntime: typeof import('graphql') = createRequire(import.meta.url)('graphql');
