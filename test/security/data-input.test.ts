import { afterAll, beforeAll, describe } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { ATTACK_CALL_WEBHOOK_SECRET, dataInputAttacks } from './attacks/data-input.js';

// Findings 3, 8 and 10 on embedded PGlite; test/security/postgres.test.ts runs them on PostgreSQL.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { CALL_WEBHOOK_SECRET: ATTACK_CALL_WEBHOOK_SECRET } });
}, 180_000);
afterAll(() => stack?.close());

describe('time, bytes and bounds [pglite]', () => dataInputAttacks(() => stack));
