import { z } from 'zod';

export const requestLogEntry = z.object({
  /** ISO time the request arrived */
  at: z.string(),
  method: z.string(),
  /** path without the query string (query strings can carry personal data, e.g. a SOSL phone) */
  path: z.string(),
  endpoint: z.string(),
  status: z.number(),
  durationMs: z.number(),
  /** number of records asked for by a batch endpoint, when the endpoint has a batch */
  batchSize: z.number().optional(),
});
export type RequestLogEntry = z.infer<typeof requestLogEntry>;

/**
 * Per-endpoint request counters and a bounded request log (a ring buffer, so a long benchmark
 * cannot grow the simulator's memory). Tests use both to prove batching and caching.
 */
export class RequestStats {
  private counters = new Map<string, number>();
  private log: RequestLogEntry[] = [];
  private next = 0;
  private total = 0;

  constructor(private readonly logSize = 2000) {}

  count(endpoint: string): void {
    this.counters.set(endpoint, (this.counters.get(endpoint) ?? 0) + 1);
    this.total++;
  }

  record(entry: RequestLogEntry): void {
    if (this.logSize === 0) return;
    if (this.log.length < this.logSize) this.log.push(entry);
    else this.log[this.next] = entry;
    this.next = (this.next + 1) % this.logSize;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  get totalRequests(): number {
    return this.total;
  }

  /** Oldest first. */
  entries(): RequestLogEntry[] {
    if (this.log.length < this.logSize) return this.log.slice();
    return this.log.slice(this.next).concat(this.log.slice(0, this.next));
  }

  reset(): void {
    this.counters.clear();
    this.log = [];
    this.next = 0;
    this.total = 0;
  }
}
