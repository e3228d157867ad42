import { describe, expect, it } from 'vitest';
import { readAhead } from '../../scripts/audit/sources/audit-source.js';

/** A source that records when each item is asked for. */
function recordingSource(items: number, log: string[]) {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < items; i++) {
        log.push(`fetch ${i}`);
        await Promise.resolve();
        yield i;
      }
    },
  };
}

describe('readAhead', () => {
  it('asks for the next page while the consumer is still working on this one, one page ahead only', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const page of readAhead(recordingSource(3, log))) {
      log.push(`analyse ${page} start`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`analyse ${page} end`);
      seen.push(page);
    }
    expect(seen).toEqual([0, 1, 2]);
    // Page 1 is fetched before page 0's analysis ends; page 2 not before page 1 is handed out.
    expect(log.indexOf('fetch 1')).toBeLessThan(log.indexOf('analyse 0 end'));
    expect(log.indexOf('fetch 2')).toBeGreaterThan(log.indexOf('analyse 0 end'));
  });

  it('a failing read-ahead surfaces where the consumer asks for it, not as an unhandled rejection', async () => {
    async function* failing() {
      yield 1;
      throw new Error('CRM 503');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of readAhead(failing())) seen.push(page);
      })(),
    ).rejects.toThrow('CRM 503');
    expect(seen).toEqual([1]);
  });

  it('stops the source when the consumer stops early', async () => {
    let finished = false;
    async function* pages() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finished = true;
      }
    }
    for await (const page of readAhead(pages())) if (page === 2) break;
    expect(finished).toBe(true);
  });
});
