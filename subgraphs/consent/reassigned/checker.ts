import type { ReassignedFacts } from '../decision/types.js';

/**
 * The Reassigned Numbers Database (E1) behind an interface: asked with a number and the consent
 * date, it answers YES (disconnected on/after that date: consent void), NO, or NO_DATA. The real
 * FCC RND is a paid HTTPS API; deployments plug a client in here.
 */
export interface ReassignedNumberChecker {
  readonly name: string;
  check(e164: string, consentDate: Date): Promise<ReassignedFacts>;
}
