import type { FieldType } from './schema.js';
import type { ObjectView } from './schema-view.js';
import type { SfRecord, SfValue } from './store.js';

/** Parses a Salesforce datetime (`…+0000` as well as ISO `Z` / `+00:00`) to epoch ms (NaN if invalid). */
export function parseSfDateTime(text: string): number {
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** Salesforce's datetime format: `2024-05-01T12:00:00.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function formatValue(type: FieldType, v: SfValue | undefined): SfValue {
  // A checkbox is never null in Salesforce: an unset custom one (added after the seed) reads false.
  if (v === undefined) return type === 'boolean' ? false : null;
  // Stored datetimes are already in Salesforce's format; numbers (ms) are formatted.
  if (type === 'datetime' && typeof v === 'number') return sfDateTime(v);
  return v;
}

export function recordUrl(version: string, type: string, id: string): string {
  return `/services/data/${version}/sobjects/${type}/${id}`;
}

/** A record as retrieve answers it: attributes first, then the given (or all) API fields. */
export function outputRecord(
  view: ObjectView,
  rec: SfRecord,
  version: string,
  apiFields?: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: view.def.name, url: recordUrl(version, view.def.name, rec.Id as string) },
  };
  if (apiFields) {
    for (const name of apiFields) {
      const f = view.byApiName.get(name.toLowerCase())!;
      out[f.apiName] = formatValue(f.def.type, rec[f.def.name]);
    }
  } else {
    for (const f of view.fields) out[f.apiName] = formatValue(f.def.type, rec[f.def.name]);
  }
  return out;
}
