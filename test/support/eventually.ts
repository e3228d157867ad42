import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one polling helper of the suite: calls `check` until it returns a truthy value (returned) or
 * the deadline passes (throws, with the last error `check` threw). Use it where the test needs the
 * value back; to wait for an assertion, vitest's `expect.poll` does the same. Never a fixed sleep.
 */
export async function eventually<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}
