/**
 * Per-caller concurrency cap at the gateway: one caller's burst queues nothing behind it and
 * sheds its own excess at once (RATE_LIMITED), so other callers keep their share of the gateway
 * and of the subgraphs behind it. In-process per replica (concurrency is a local resource).
 */
export class CallerConcurrency {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly maxPerCaller: number) {}

  /** A release function when the caller is under its cap, else null. */
  tryEnter(caller: string): (() => void) | null {
    const current = this.inFlight.get(caller) ?? 0;
    if (current >= this.maxPerCaller) return null;
    this.inFlight.set(caller, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.inFlight.get(caller) ?? 1) - 1;
      if (now <= 0) this.inFlight.delete(caller);
      else this.inFlight.set(caller, now);
    };
  }

  inFlightOf(caller: string): number {
    return this.inFlight.get(caller) ?? 0;
  }
}
