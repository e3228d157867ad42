import { z } from 'zod';

/**
 * Retry policy for change events. Real CRMs retry failed webhook deliveries with growing gaps
 * (HubSpot: up to 10 times over 24 h); the defaults here are compressed so tests finish quickly.
 */
export const deliveryRetryConfig = z.object({
  maxAttempts: z.number().int().min(1).max(50).default(5),
  baseDelayMs: z.number().int().min(0).default(100),
  maxDelayMs: z.number().int().min(0).default(5_000),
  timeoutMs: z.number().int().min(1).default(5_000),
});
export type DeliveryRetryConfig = z.infer<typeof deliveryRetryConfig>;

export const DEFAULT_DELIVERY_RETRY: DeliveryRetryConfig = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  timeoutMs: 5_000,
};

/** Built afresh for every attempt, so a body can carry an attempt number and a fresh signature. */
export type DeliveryBuilder = (attempt: { attemptNumber: number; target: string }) => {
  body: string;
  headers: Record<string, string>;
};

export const deliveryRecord = z.object({
  id: z.number(),
  target: z.string(),
  kind: z.string(),
  /** `dropped`: lost by the `drop` delivery mode (never sent); `held`: waiting for `deliver` mode. */
  state: z.enum(['pending', 'delivered', 'failed', 'dropped', 'held']),
  attempts: z.number(),
  /** HTTP status of the last attempt, or null for a network error / timeout */
  lastStatus: z.number().nullable(),
  lastError: z.string().optional(),
  createdAt: z.string(),
});
export type DeliveryRecord = z.infer<typeof deliveryRecord>;

export interface DeliveryStats {
  pending: number;
  delivered: number;
  failed: number;
  attempts: number;
  dropped: number;
  held: number;
}

/**
 * What happens to a change event when it is emitted. `deliver` (default) sends it; `drop` loses it
 * for good (an event bus that lost it, a subscription paused past its retention: real CRMs keep
 * Change Data Capture events 72 h and retry HubSpot webhooks for 24 h, then give up); `hold` keeps
 * it and sends it when the mode returns to `deliver` (a receiver unreachable for a while, then the
 * CRM's retries land late). Events emitted before a mode change keep the mode they were born with.
 */
export const deliveryMode = z.enum(['deliver', 'drop', 'hold']);
export type DeliveryMode = z.infer<typeof deliveryMode>;

/**
 * Posts change events to receiver URLs, each target independently, retrying non-2xx answers and
 * network errors with exponential backoff (base * 2^(n-1), capped). Keeps a bounded history for
 * the admin API so tests can see retries happen.
 */
export class ChangeDelivery {
  private targets: string[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly history: DeliveryRecord[] = [];
  private nextId = 1;
  private attemptsTotal = 0;
  private closed = false;
  private mode: DeliveryMode = 'deliver';
  private readonly held: { record: DeliveryRecord; build: DeliveryBuilder }[] = [];

  constructor(
    targets: string[],
    private retry: DeliveryRetryConfig = DEFAULT_DELIVERY_RETRY,
    private readonly historySize = 1000,
  ) {
    this.targets = [...targets];
  }

  setTargets(targets: string[]): void {
    this.targets = [...targets];
  }

  getTargets(): string[] {
    return [...this.targets];
  }

  setRetry(retry: DeliveryRetryConfig): void {
    this.retry = retry;
  }

  getMode(): DeliveryMode {
    return this.mode;
  }

  /** Switches the delivery mode; back to `deliver` sends every held event (oldest first). */
  setMode(mode: DeliveryMode): void {
    this.mode = mode;
    if (mode !== 'deliver') return;
    for (const { record, build } of this.held.splice(0)) {
      record.state = 'pending';
      this.track(this.attempt(record, build));
    }
  }

  /** Queues one event (or batch) for every configured target. `kind` is a label for the history. */
  send(kind: string, build: DeliveryBuilder): void {
    if (this.closed) return;
    for (const target of this.targets) {
      const state = this.mode === 'drop' ? 'dropped' : this.mode === 'hold' ? 'held' : 'pending';
      const record: DeliveryRecord = {
        id: this.nextId++,
        target,
        kind,
        state,
        attempts: 0,
        lastStatus: null,
        createdAt: new Date().toISOString(),
      };
      this.history.push(record);
      if (this.history.length > this.historySize) this.history.shift();
      if (state === 'pending') this.track(this.attempt(record, build));
      else if (state === 'held') this.held.push({ record, build });
    }
  }

  records(): DeliveryRecord[] {
    return this.history.map((r) => ({ ...r }));
  }

  stats(): DeliveryStats {
    let pending = 0;
    let delivered = 0;
    let failed = 0;
    let dropped = 0;
    let held = 0;
    for (const r of this.history) {
      if (r.state === 'pending') pending++;
      else if (r.state === 'delivered') delivered++;
      else if (r.state === 'dropped') dropped++;
      else if (r.state === 'held') held++;
      else failed++;
    }
    return { pending, delivered, failed, attempts: this.attemptsTotal, dropped, held };
  }

  clearHistory(): void {
    // Held events stay queued (they are not history yet); only finished records are forgotten.
    for (let i = this.history.length - 1; i >= 0; i--) if (this.history[i]!.state !== 'held') this.history.splice(i, 1);
    this.attemptsTotal = 0;
  }

  /** Resolves when nothing is pending (handy in tests and on shutdown). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.history.some((r) => r.state === 'pending')) {
      if (Date.now() > deadline) throw new Error('change delivery did not settle in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.closed = true;
    this.held.length = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of this.history) if (r.state === 'pending' || r.state === 'held') r.state = 'failed';
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async attempt(record: DeliveryRecord, build: DeliveryBuilder): Promise<void> {
    if (this.closed) return;
    record.attempts++;
    this.attemptsTotal++;
    const { body, headers } = build({ attemptNumber: record.attempts, target: record.target });
    try {
      const res = await fetch(record.target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(this.retry.timeoutMs),
      });
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      record.lastStatus = res.status;
      if (res.ok) {
        record.state = 'delivered';
        delete record.lastError;
        return;
      }
      record.lastError = `HTTP ${res.status}`;
    } catch (err) {
      record.lastStatus = null;
      record.lastError = err instanceof Error ? err.name : 'error';
    }
    if (this.closed) return;
    if (record.attempts >= this.retry.maxAttempts) {
      record.state = 'failed';
      return;
    }
    const wait = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (record.attempts - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(record, build));
    }, wait);
    this.timers.add(timer);
  }
}
