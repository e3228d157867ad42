import { DialplaneError, ErrorCode } from '../errors.js';

/**
 * The short-window cross-request batcher. Loads asked for within `windowMs` of each other, from
 * any request, are coalesced into one dispatch (split at `maxBatchSize`, the CRM's batch limit);
 * a key already pending or in flight joins that load instead of causing another. At most
 * `maxConcurrent` dispatches run at once, or as many as `slots` (an adaptive policy, e.g.
 * batch-concurrency.ts) lets start; further keys wait their turn (and batches grow).
 *
 * Fair sharing: waiting keys are queued per caller and each dispatch takes them round-robin
 * across callers, so one caller's burst cannot push another caller's key behind it; a caller
 * with `maxWaitingPerCaller` keys already waiting is refused at once (CallerOverloadedError):
 * its burst sheds its own requests first.
 */

export interface WindowBatcherOptions<K, V> {
  /** Collect this long after the first load before dispatching; 0 = next macrotask. */
  windowMs: number;
  maxBatchSize: number;
  /** Fixed number of dispatches in flight at once (ignored with `slots`). @default 1 */
  maxConcurrent?: number;
  /** Decides, each time keys wait, whether another dispatch may start now (adaptive concurrency). */
  slots?: DispatchSlots<unknown>;
  /** Keys one caller may have waiting (window or slot); beyond it its loads fail at once. @default Infinity */
  maxWaitingPerCaller?: number;
  /** Resolves one result per key, in order; a rejection fails every key of the batch. */
  dispatch: (keys: K[]) => Promise<V[]>;
}

/**
 * An adaptive limit of dispatches in flight. `tryStart` is asked whenever keys wait for a slot and
 * answers a handle (start now) or null (wait: it is asked again when a running dispatch ends, so
 * it must not answer null with nothing running). Each handle comes back once to `finished`, with
 * the dispatch's error when it failed.
 */
export interface DispatchSlots<H> {
  tryStart(): H | null;
  finished(handle: H, error: unknown): void;
  /** After a refusal: ask again in this many ms even if no dispatch ends (null: wait for one). */
  retryInMs?(): number | null;
}

/** A caller already has its share of keys waiting for the CRM. */
export class CallerOverloadedError extends DialplaneError {
  constructor(readonly caller: string) {
    super(ErrorCode.RATE_LIMITED, 'too many loads waiting for this caller');
    this.name = 'CallerOverloadedError';
  }
}
interface Deferred<V> {
  promise: Promise<V>;
  resolve: (v: V) => void;
  reject: (e: unknown) => void;
}

function deferred<V>(): Deferred<V> {
  let resolve!: (v: V) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<V>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Waiting<K, V> = [K, Deferred<V>];

export class WindowBatcher<K, V> {
  private pending = new Map<K, { d: Deferred<V>; caller: string }>();
  private inFlight = new Map<K, Promise<V>>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private running = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Keys flushed from a window and waiting for a dispatch slot, FIFO per caller. */
  private waitingByCaller = new Map<string, Waiting<K, V>[]>();
  private waitingCount = 0;
  /** Keys per caller not yet dispatched (pending or waiting): the per-caller cap counts these. */
  private undispatched = new Map<string, number>();

  constructor(private readonly options: WindowBatcherOptions<K, V>) {}

  load(key: K, caller = ''): Promise<V> {
    const existing = this.pending.get(key)?.d.promise ?? this.inFlight.get(key);
    if (existing) return existing;
    const mine = this.undispatched.get(caller) ?? 0;
    if (mine >= (this.options.maxWaitingPerCaller ?? Infinity))
      return Promise.reject(new CallerOverloadedError(caller));
    this.undispatched.set(caller, mine + 1);
    const d = deferred<V>();
    this.pending.set(key, { d, caller });
    if (this.pending.size >= this.options.maxBatchSize) this.flush();
    else this.schedule();
    return d.promise;
  }

  /** Keys waiting for the window or a dispatch slot (for tests and metrics). */
  get waiting(): number {
    return this.pending.size + this.waitingCount;
  }

  private schedule(): void {
    if (this.timer) return;
    const fire = () => {
      this.timer = null;
      this.flush();
    };
    this.timer = this.options.windowMs > 0 ? setTimeout(fire, this.options.windowMs) : setImmediate(fire);
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const [key, { d, caller }] of batch) {
      this.inFlight.set(key, d.promise);
      let queue = this.waitingByCaller.get(caller);
      if (!queue) this.waitingByCaller.set(caller, (queue = []));
      queue.push([key, d]);
      this.waitingCount += 1;
    }
    this.drain();
  }

  /** Up to maxBatchSize waiting keys, one per caller per round (Map order rotates: served callers go last). */
  private takeFairBatch(): Waiting<K, V>[] {
    const batch: Waiting<K, V>[] = [];
    while (batch.length < this.options.maxBatchSize && this.waitingCount > 0) {
      for (const [caller, queue] of [...this.waitingByCaller]) {
        if (batch.length >= this.options.maxBatchSize) break;
        batch.push(queue.shift()!);
        this.waitingCount -= 1;
        const left = (this.undispatched.get(caller) ?? 1) - 1;
        if (left <= 0) this.undispatched.delete(caller);
        else this.undispatched.set(caller, left);
        this.waitingByCaller.delete(caller);
        if (queue.length > 0) this.waitingByCaller.set(caller, queue); // to the back of the rotation
      }
    }
    return batch;
  }

  private drain(): void {
    // Keys that waited for a slot are merged up to the batch limit: fewer, fuller CRM calls.
    while (this.waitingCount > 0) {
      const slot = this.takeSlot();
      if (slot === null) {
        this.retryLater();
        return;
      }
      this.run(this.takeFairBatch(), slot);
    }
  }

  /** The slots policy refused only for now (keys gather): drain again when it says, unless a dispatch ends first. */
  private retryLater(): void {
    const ms = this.options.slots?.retryInMs?.();
    if (ms == null || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.drain();
    }, ms);
    this.retryTimer.unref?.();
  }

  /** A handle when one more dispatch may start now (fixed limit: `true`), else null. */
  private takeSlot(): unknown {
    const { slots, maxConcurrent = 1 } = this.options;
    if (slots) return slots.tryStart();
    return this.running < maxConcurrent ? true : null;
  }

  private run(chunk: Waiting<K, V>[], slot: unknown): void {
    this.running += 1;
    const keys = chunk.map(([k]) => k);
    let failure: unknown;
    Promise.resolve()
      .then(() => this.options.dispatch(keys))
      .then(
        (values) => {
          chunk.forEach(([, d], i) => {
            if (i < values.length) d.resolve(values[i]!);
            else
              d.reject(
                new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, 'batch dispatch returned fewer results than keys'),
              );
          });
        },
        (error: unknown) => {
          failure = error ?? new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, 'batch dispatch failed');
          chunk.forEach(([, d]) => d.reject(error));
        },
      )
      .finally(() => {
        for (const k of keys) this.inFlight.delete(k);
        this.running -= 1;
        try {
          this.options.slots?.finished(slot, failure);
        } finally {
          // Even if the policy threw, the waiting keys must not be stranded.
          this.drain();
        }
      });
  }
}
