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

/** Salesforce's datetime format: `2024-05-01T12:00:00.000+0000`. */
export function salesforceDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Salesforce / HubSpot date-only value: `2024-05-01`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** HubSpot's datetime format (also used for createdAt/updatedAt): `2024-05-01T12:00:00.000Z`. */
export function hubspotDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** HubSpot date properties are midnight UTC of the day. */
export function hubspotDate(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString();
}

export { DAY_MS };
