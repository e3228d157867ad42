/**
 * The short-window cross-request batcher. Loads asked for within `windowMs` of each other, from
 * any request, are coalesced into one dispatch (split at `maxBatchSize`, the CRM's batch limit);
 * a key already pending or in flight joins that load instead of causing another. At most
 * `maxConcurrent` dispatches run at once; further batches wait their turn (and keep growing).
 */

export interface WindowBatcherOptions<K, V> {
  /** Collect this long after the first load before dispatching; 0 = next macrotask. */
  windowMs: number;
  maxBatchSize: number;
  maxConcurrent: number;
  /** Resolves one result per key, in order; a rejection fails every key of the batch. */
  dispatch: (keys: K[]) => Promise<V[]>;
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

export class WindowBatcher<K, V> {
  private pending = new Map<K, Deferred<V>>();
  private inFlight = new Map<K, Promise<V>>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private running = 0;
  private queue: Map<K, Deferred<V>>[] = [];

  constructor(private readonly options: WindowBatcherOptions<K, V>) {}

  load(key: K): Promise<V> {
    const existing = this.pending.get(key)?.promise ?? this.inFlight.get(key);
    if (existing) return existing;
    const d = deferred<V>();
    this.pending.set(key, d);
    if (this.pending.size >= this.options.maxBatchSize) this.flush();
    else this.schedule();
    return d.promise;
  }

  /** Keys waiting for the window or a dispatch slot (for tests and metrics). */
  get waiting(): number {
    return this.pending.size + this.queue.reduce((n, b) => n + b.size, 0);
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
    for (const [key, d] of batch) this.inFlight.set(key, d.promise);
    this.queue.push(batch);
    this.drain();
  }

  private drain(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      // Batches that waited for a slot are merged up to the batch limit: fewer, fuller CRM calls.
      let batch = this.queue.shift()!;
      while (this.queue.length > 0 && batch.size + this.queue[0]!.size <= this.options.maxBatchSize) {
        batch = new Map([...batch, ...this.queue.shift()!]);
      }
      // A batch never exceeds the limit: load() flushes as soon as pending reaches it.
      this.run([...batch]);
    }
  }

  private run(chunk: [K, Deferred<V>][]): void {
    this.running += 1;
    const keys = chunk.map(([k]) => k);
    Promise.resolve()
      .then(() => this.options.dispatch(keys))
      .then(
        (values) => {
          chunk.forEach(([, d], i) => {
            if (i < values.length) d.resolve(values[i]!);
            else d.reject(new Error('batch dispatch returned fewer results than keys'));
          });
        },
        (error: unknown) => chunk.forEach(([, d]) => d.reject(error)),
      )
      .finally(() => {
        for (const k of keys) this.inFlight.delete(k);
        this.running -= 1;
        this.drain();
      });
  }
}
