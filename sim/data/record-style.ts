import { STATE_NAMES } from './area-codes.js';
import type { Person } from './person.js';
import type { Rng } from './prng.js';

/**
 * How one CRM record writes a person's name, email and state. A person's first record is mostly
 * tidy; a duplicate is typed again by someone else (nickname, capitals, initials, other email).
 */
export function recordNames(person: Person, duplicate: boolean, rng: Rng): { first: string | null; last: string } {
  let first: string | null = person.first;
  let last = person.last;
  const r = rng.next();
  if (duplicate) {
    if (r < 0.35 && person.nickname) first = person.nickname;
    else if (r < 0.5) [first, last] = [first.toUpperCase(), last.toUpperCase()];
    else if (r < 0.6) first = `${person.first[0]}.`;
    else if (r < 0.7) first = null;
    else if (r < 0.8) last = `${last} `;
  } else if (r < 0.02) {
    first = null;
  } else if (r < 0.04) {
    [first, last] = [first.toLowerCase(), last.toLowerCase()];
  }
  return { first, last };
}

export function recordEmail(person: Person, duplicate: boolean, rng: Rng): string | null {
  if (rng.chance(0.08)) return null;
  const plain = `${person.emailLocal}@${person.emailDomain}`;
  if (!duplicate) return plain;
  const r = rng.next();
  if (r < 0.3)
    return plain.replace(/^./, (c) => c.toUpperCase()).replace(/@(.)/, (_m, c: string) => `@${c.toUpperCase()}`);
  if (r < 0.5) return `${person.emailLocal}+crm@${person.emailDomain}`;
  if (r < 0.7) return `${person.emailLocal}@example.org`;
  return plain;
}

/** A state as people type it: mostly the code, sometimes the full name or lower case. */
export function stateValue(code: string, rng: Rng): string {
  const r = rng.next();
  if (r < 0.78) return code;
  if (r < 0.93) return STATE_NAMES[code] ?? code;
  if (r < 0.98) return code.toLowerCase();
  return `${code} `;
}
