import { hashString } from './prng.js';

const DAY_MS = 86_400_000;
/** The first possible epoch; a seed moves it forward by up to 29 days. */
const BASE_EPOCH_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

/**
 * The instant the generated CRMs were "exported": every generated date lies at or before it.
 * Derived from the seed (never from the clock) so a dataset is identical on every run.
 */
export function datasetEpochMs(seed: number | string): number {
  return BASE_EPOCH_MS + (hashString(`epoch:${seed}`) % 30) * DAY_MS;
}

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** `YYYY-MM-DD` of a day number (days since 1970-01-01), memoised: datasets span a few thousand days. */
const dayCache = new Map<number, string>();
function dayString(days: number): string {
  let cached = dayCache.get(days);
  if (cached === undefined) {
    cached = civilDate(days);
    if (dayCache.size < 100_000) dayCache.set(days, cached);
  }
  return cached;
}

/**
 * Days -> civil date (H. Hinnant's algorithm). Hand-rolled with the time formatting below
 * because Date#toISOString dominated generation time.
 */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${PAD2[month]}-${PAD2[day]}`;
}

/** `YYYY-MM-DDTHH:mm:ss.SSS` of an epoch-ms instant (UTC), without the zone suffix. */
function dateTime(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${dayString(days)}T${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}.${PAD3[rest - seconds * 1000]}`;
}

/** Salesforce's datetime format: `2024-05-01T12:00:00.000+0000`. */
export function salesforceDateTime(ms: number): string {
  return `${dateTime(ms)}+0000`;
}

/** Salesforce / HubSpot date-only value: `2024-05-01`. */
export function isoDate(ms: number): string {
  return dayString(Math.floor(ms / DAY_MS));
}

/** HubSpot's datetime format (also used for createdAt/updatedAt): `2024-05-01T12:00:00.000Z`. */
export function hubspotDateTime(ms: number): string {
  return `${dateTime(ms)}Z`;
}

/** HubSpot date properties are midnight UTC of the day. */
export function hubspotDate(ms: number): string {
  return `${dayString(Math.floor(ms / DAY_MS))}T00:00:00.000Z`;
}

export { DAY_MS };
