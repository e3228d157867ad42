import type { RedisConnection } from './redis.js';
import { DialplaneError, ErrorCode } from './errors.js';

/**
 * Decides whether a request may use Redis right now. One failed or slow command (the caller
 * reports it with `trip()`) opens the breaker: requests then use their in-process fallback
 * without touching the network. Whether Redis answers again is found out by a PING in the
 * background every `openMs`, never on a request: during a partition only the requests in flight
 * when it began pay a command timeout (before, one request per second per component paid it, and
 * that was the p99 of the abuse bench's Redis cut).
 */
export interface RedisBreakerOptions {
  /** Time between background probes while open, ms. @default 1000 */
  openMs?: number;
  /** Upper bound of one probe, ms. @default 50 */
  timeoutMs?: number;
  /** Called when a probe succeeds and requests use Redis again. */
  onClose?: () => void;
}

export class RedisBreaker {
  private open = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly openMs: number;
  private readonly timeoutMs: number;
  /** Background probes that failed since the process started (readiness detail, tests). */
  failedProbes = 0;

  constructor(
    private readonly redis: Pick<RedisConnection, 'isReady'> & { client: { ping(): Promise<unknown> } },
    private readonly options: RedisBreakerOptions = {},
  ) {
    this.openMs = options.openMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 50;
  }

  get state(): 'closed' | 'open' {
    return this.open ? 'open' : 'closed';
  }

  /** Use Redis for this request: the connection is up and no recent command failed. */
  usable(): boolean {
    return !this.open && this.redis.isReady();
  }

  /** A command failed or timed out: skip Redis until a background probe sees it answer. */
  trip(): void {
    if (this.open || this.stopped) return;
    this.open = true;
    this.scheduleProbe();
  }

  /** Stops probing (shutdown). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.probeTimer);
  }

  private scheduleProbe(): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(() => void this.probe(), this.openMs);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!this.redis.isReady()) throw new DialplaneError(ErrorCode.SERVICE_UNAVAILABLE, 'redis not connected');
      await Promise.race([
        this.redis.client.ping(),
        new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(
              () => reject(new DialplaneError(ErrorCode.TIMEOUT, `redis probe timeout after ${this.timeoutMs} ms`)),
              this.timeoutMs,
            )),
        ),
      ]);
      this.open = false;
      this.options.onClose?.();
    } catch {
      this.failedProbes++;
      this.scheduleProbe();
    } finally {
      clearTimeout(timer);
    }
  }
}
