import type { CrmSource, MappingCheckDifference } from '../../../shared/crm/connector.js';
import type { AuditContact } from '../audit-contact.js';

/**
 * One CRM as the audit reads it: every contact in pages, through the CRM's official client,
 * resumable from the checkpoint string a page carries. Implementations: salesforce-source.ts,
 * hubspot-source.ts.
 */
export interface AuditSource {
  readonly crm: CrmSource;
  /** Contacts in the CRM (for the ETA); null when the CRM cannot say cheaply. */
  count(): Promise<number | null>;
  /** Contact ids with a closed-won deal (read once, before the contacts). */
  closedWonContactIds(): Promise<Set<string>>;
  /** Pages of contacts after `checkpoint` (null: from the start), each with the checkpoint that resumes after it. */
  pages(
    checkpoint: string | null,
    closedWon: ReadonlySet<string>,
  ): AsyncIterable<{ contacts: AuditContact[]; checkpoint: string }>;
  /** Describe/properties against what the mapping reads. */
  mappingDifferences(): Promise<MappingCheckDifference[]>;
  /** Whether the mapping knows a stage value found in the data. */
  isMappedStage(value: string): boolean;
  /** CRM calls made so far, by endpoint. */
  calls(): Record<string, number>;
  close(): Promise<void>;
}

/** Counts calls per endpoint and paces them under a CRM's rate limit (`limit` calls per `windowMs`). */
export class CallPacer {
  private readonly counts: Record<string, number> = {};
  private readonly recent: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  readonly instrument = async <T>(endpoint: string, fn: () => Promise<T>): Promise<T> => {
    await this.slot();
    this.counts[endpoint] = (this.counts[endpoint] ?? 0) + 1;
    return fn();
  };

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  /** Waits until one more call fits in the sliding window. */
  private async slot(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.recent.length > 0 && this.recent[0]! <= t - this.windowMs) this.recent.shift();
      if (this.recent.length < this.limit) {
        this.recent.push(t);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(1, this.recent[0]! + this.windowMs - t)));
    }
  }
}

/**
 * Yields what `source` yields, already asking for the next item while the consumer works on this
 * one (one item ahead, never more: memory stays one page).
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  // A read-ahead the consumer never asks for must not surface as an unhandled rejection.
  next.catch(() => undefined);
  try {
    for (;;) {
      const item = await next;
      if (item.done) return;
      next = iterator.next();
      next.catch(() => undefined);
      yield item.value;
    }
  } finally {
    await iterator.return?.();
  }
}
