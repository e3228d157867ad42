import { salesforceChecksum } from '../data/index.js';

/**
 * Id normalisation for lookups. Ids themselves (and their checksum) come from sim/data: seeded
 * rows and rows the simulator inserts share one scheme, so created ids never collide.
 */

/** 15-char ids are accepted everywhere and mean the same record as their 18-char form. */
export function to18(id: string): string {
  if (id.length === 15) return id + salesforceChecksum(id);
  if (id.length === 18) return id.slice(0, 15) + id.slice(15).toUpperCase();
  return id;
}

export function looksLikeId(id: string): boolean {
  return (id.length === 15 || id.length === 18) && /^[A-Za-z0-9]+$/.test(id);
}
