import { DialplaneError, ErrorCode } from '../errors.js';

/**
 * A circuit breaker around one CRM client. After `failureThreshold` consecutive outage-type
 * failures it opens: calls fail at once (the runtime serves stale data) instead of queueing behind
 * a CRM that is down or hanging. After `openMs` one probe call is let through (half-open); its
 * success closes the breaker, its failure opens it again.
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. @default 5 */
  failureThreshold?: number;
  /** How long the breaker stays open before a probe. @default 5000 */
  openMs?: number;
  onStateChange?: (state: BreakerState) => void;
  now?: () => number;
}

/** Thrown without calling the CRM while the breaker is open. */
export class BreakerOpenError extends DialplaneError {
  constructor(readonly breaker: string) {
    super(ErrorCode.CRM_UNAVAILABLE, `circuit breaker for ${breaker} is open`, { breaker });
    this.name = 'BreakerOpenError';
  }
}

export class CircuitBreaker {
  private state_: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly options: CircuitBreakerOptions = {},
  ) {
    this.threshold = options.failureThreshold ?? 5;
    this.openMs = options.openMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.state_ === 'open' && this.now() - this.openedAt >= this.openMs) return 'half_open';
    return this.state_;
  }

  /** Failures counted since the last success (what opened the breaker, and how long ago it did). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * Runs `fn` through the breaker. `countsAsFailure` decides whether an error is an outage (opens
   * the breaker) or a permanent answer (a 400 is the CRM working fine).
   */
  async run<T>(fn: () => Promise<T>, countsAsFailure: (error: unknown) => boolean = () => true): Promise<T> {
    const state = this.state;
    if (state === 'open') throw new BreakerOpenError(this.name);
    const probing = state === 'half_open';
    if (probing) {
      if (this.probeInFlight) throw new BreakerOpenError(this.name);
      this.probeInFlight = true;
      this.setState('half_open');
    }
    try {
      const value = await fn();
      this.recordSuccess();
      return value;
    } catch (error) {
      if (countsAsFailure(error)) this.recordFailure(probing);
      else if (probing) this.recordSuccess(); // The CRM answered (with a permanent error): it is up.
      throw error;
    } finally {
      if (probing) this.probeInFlight = false;
    }
  }

  /**
   * For a caller that makes the call itself and only reports how it went (the write-back worker:
   * it pauses its queue instead of failing calls fast): the CRM answered.
   */
  recordSuccess(): void {
    this.failures = 0;
    this.setState('closed');
  }

  /** The CRM failed like an outage: counted, and the breaker opens at the threshold (or after a failed probe). */
  recordFailure(probing = false): void {
    this.failures += 1;
    if (probing || this.failures >= this.threshold) {
      this.openedAt = this.now();
      this.setState('open');
    }
  }

  private setState(state: BreakerState): void {
    if (state === this.state_) return;
    this.state_ = state;
    this.options.onStateChange?.(state);
  }
}

/**
 * One breaker per key (a CRM's name today, a connection's id later), made on first use with the
 * same options; `onStateChange` is told which key changed.
 */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly options: Omit<CircuitBreakerOptions, 'onStateChange'> & {
      onStateChange?: (key: string, state: BreakerState) => void;
    } = {},
  ) {}

  get(key: string): CircuitBreaker {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      const { onStateChange, ...options } = this.options;
      breaker = new CircuitBreaker(key, {
        ...options,
        ...(onStateChange ? { onStateChange: (state: BreakerState) => onStateChange(key, state) } : {}),
      });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }
}
