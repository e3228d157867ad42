import type { ReassignedNumberChecker } from './checker.js';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';

export interface SimulatedCheckerOptions {
  /** Numbers permanently disconnected, with the disconnect date. */
  disconnected?: Map<string, Date>;
  /** Numbers the database has no data about. */
  noData?: Set<string>;
  /** Fail every call (to exercise the fail-closed path). */
  failing?: boolean;
  version?: string;
  now?: () => Date;
}

/** An in-memory stand-in for the RND with the real answer semantics; used in dev and tests. */
export function createSimulatedChecker(
  options: SimulatedCheckerOptions = {},
): ReassignedNumberChecker & { options: SimulatedCheckerOptions } {
  const now = options.now ?? (() => new Date());
  return {
    name: 'simulated',
    options,
    async check(e164, consentDate) {
      if (options.failing)
        throw new DialplaneError(ErrorCode.COMPLIANCE_DATA_UNAVAILABLE, 'reassigned-number database unavailable');
      const version = options.version ?? 'rnd-sim-1';
      const checkedAt = now();
      if (options.noData?.has(e164)) return { result: 'NO_DATA', consentDate, checkedAt, version };
      const disconnectedAt = options.disconnected?.get(e164);
      const result = disconnectedAt && disconnectedAt >= consentDate ? 'YES' : 'NO';
      return { result, consentDate, checkedAt, version };
    },
  };
}
