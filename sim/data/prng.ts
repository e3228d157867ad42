/**
 * Seeded, allocation-free randomness. Every generated value derives from (seed, stream, index), so
 * record N can be produced on its own, in any order, without generating records 0..N-1 first:
 * that is what lets a 1,000,000-contact dataset stay lazy.
 */

/** FNV-1a over a string, 32-bit unsigned. Used for seeds and for the equality indexes' buckets. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed for one stream of one record: independent for every (seed, stream, index). */
export function streamSeed(seedHash: number, stream: number, index: number): number {
  return fmix32(fmix32(seedHash ^ Math.imul(stream, 0x9e3779b1)) + Math.imul(index, 0x85ebca77) + 0x27d4eb2f);
}

/** Names of the independent streams; numbers never reused so adding one never shifts another. */
export const Stream = {
  person: 1,
  sfContact: 2,
  sfContactPlan: 3,
  sfOpportunity: 4,
  sfTask: 5,
  sfAccount: 6,
  hsContact: 7,
  hsContactPlan: 8,
  hsDeal: 9,
  hsCall: 10,
  epoch: 11,
} as const;

/** mulberry32: tiny, fast, good enough for test data (not for anything secret). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static for(seedHash: number, stream: number, index: number): Rng {
    return new Rng(streamSeed(seedHash, stream, index));
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index into `cumulative` (ascending running totals of weights) chosen proportionally. */
  weighted(cumulative: Float64Array | readonly number[]): number {
    const target = this.next() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Running totals of weights, for Rng.weighted. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    out[i] = sum;
  }
  return out;
}
