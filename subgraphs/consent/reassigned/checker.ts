import type { ReassignedFacts } from '../decision/types.js';

/**
 * The Reassigned Numbers Database (E1) behind an interface: asked with a number and the consent
 * date, it answers YES (disconnected on/after that date: consent void), NO, or NO_DATA.
 * Implementations: the HTTP client of the RND query API (`rnd-client.ts`, also what the RND
 * simulator serves), an in-memory simulation for unit tests, and `unconfigured` (no RND: every
 * answer is NO_DATA, which the policy denies as RND_NO_DATA).
 */
export interface ReassignedNumberChecker {
  readonly name: string;
  /** False when answers must not be kept (they say nothing about the number: no RND configured). */
  readonly cacheable?: boolean;
  check(e164: string, consentDate: Date): Promise<ReassignedFacts>;
}

/** No RND subscription configured: nothing can be proven, so nothing is cached and E1 denies (RND_NO_DATA). */
export function createUnconfiguredChecker(now: () => Date = () => new Date()): ReassignedNumberChecker {
  return {
    name: 'unconfigured',
    cacheable: false,
    async check(_e164, consentDate) {
      return { result: 'NO_DATA', consentDate, checkedAt: now(), version: 'none (RND_URL not set)' };
    },
  };
}
