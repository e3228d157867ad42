/**
 * IANA time-zone arithmetic on top of Intl (the runtime's tz database), so Arizona, Hawaii and
 * every DST transition follow the maintained data rather than offsets typed by hand.
 * Formatters are cached per zone: building one costs ~50 µs, using one ~2 µs.
 */

export interface LocalTime {
  /** ISO calendar date in the zone, e.g. `2026-03-08`. */
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the runtime knows `zone` as an IANA zone. */
export function isValidZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The formatter shows whole seconds, so its parts depend only on (zone, second). Every decision
 * asks about the same few zones at nearly the same instant, and formatToParts was the largest
 * single function of a call-start decision (issue 17): answers are kept per (zone, second),
 * bounded (dropped whole when full), frozen because they are shared.
 */
const PARTS_CACHE_MAX = 5_000;
const partsCache = new Map<string, Readonly<Record<string, string>>>();

function parts(zone: string, at: number): Readonly<Record<string, string>> {
  const key = `${zone}\u0000${Math.floor(at / 1000)}`;
  let out = partsCache.get(key);
  if (out === undefined) {
    const fresh: Record<string, string> = {};
    for (const p of formatter(zone).formatToParts(at)) fresh[p.type] = p.value;
    out = Object.freeze(fresh);
    if (partsCache.size >= PARTS_CACHE_MAX) partsCache.clear();
    partsCache.set(key, out);
  }
  return out;
}

export function localTime(zone: string, at: Date | number): LocalTime {
  const p = parts(zone, typeof at === 'number' ? at : at.getTime());
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    minutes: Number(p.hour) * 60 + Number(p.minute),
    weekday: WEEKDAYS[p.weekday!] ?? 0,
  };
}

/** Offset of `zone` from UTC at instant `at`, in ms (negative west of Greenwich). */
function offsetMs(zone: string, at: number): number {
  const p = parts(zone, at);
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The UTC instant of local wall time `minutes` on `date` in `zone`. A wall time skipped by a DST
 * jump resolves to the instant just after the gap; a repeated one to its first occurrence.
 */
export function zonedInstant(zone: string, date: string, minutes: number): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  const first = wall - offsetMs(zone, wall);
  const second = wall - offsetMs(zone, first);
  return new Date(
    Math.min(first, second) === first && localTime(zone, first).minutes === minutes % 1440 ? first : second,
  );
}

/** `date` plus `days` calendar days (ISO dates, no zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function parseHhmm(value: string): number {
  const [h, m] = value.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
