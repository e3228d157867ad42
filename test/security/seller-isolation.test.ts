import { afterAll, beforeAll, describe } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { sellerIsolationAttacks } from './attacks/seller-isolation.js';

// Findings 2 and 11 on embedded PGlite; test/security/postgres.test.ts runs the same attacks on PostgreSQL.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.close());

describe('seller isolation [pglite]', () => sellerIsolationAttacks(() => stack));
