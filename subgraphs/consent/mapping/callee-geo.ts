import type { GeoFacts } from '../decision/types.js';
import { currentAreaCodeZones, type AreaCodeZoneTable } from '../policy/index.js';
import { numberGeo, stateZones } from './phone-geo.js';
import { toStateCode } from './us-states.js';

export interface CrmLocation {
  country?: string | null;
  state?: string | null;
}

/** Zones of every split area code of each state, for an address (built once per table). */
const splitStateZones = new WeakMap<AreaCodeZoneTable, Map<string, string[]>>();
function splitZonesOfState(table: AreaCodeZoneTable, state: string): string[] {
  let byState = splitStateZones.get(table);
  if (!byState) {
    byState = new Map();
    for (const row of Object.values(table.areaCodes))
      byState.set(row.state, [...new Set([...(byState.get(row.state) ?? []), ...row.zones])]);
    splitStateZones.set(table, byState);
  }
  return byState.get(state) ?? [];
}

/**
 * C3 for a split area code: the zones of the number's exchange when the table places it with
 * certainty, else every zone the area code spans. Empty for an area code in one zone.
 */
export function areaCodeZones(
  e164: string,
  table: AreaCodeZoneTable = currentAreaCodeZones,
): { zones: string[]; state: string | null } {
  if (!e164.startsWith('+1') || e164.length !== 12) return { zones: [], state: null };
  const row = table.areaCodes[e164.slice(2, 5)];
  if (!row) return { zones: [], state: null };
  return { zones: row.exchanges?.[e164.slice(5, 8)] ?? row.zones, state: row.state };
}

/**
 * Candidate zones and states for a callee (C3): the number's exchange data, its area code's zones
 * when the area code spans several (policy data: the exchange data names one zone for exchanges
 * that are in another), the CRM address (every zone its state's numbers use, since a street address
 * is not geocoded here) and the zone the CRM states. The decision intersects the windows of all.
 */
export function calleeGeo(
  e164: string,
  location?: CrmLocation | null,
  statedZone?: string | null,
  table: AreaCodeZoneTable = currentAreaCodeZones,
): GeoFacts {
  const fromNumber = numberGeo(e164);
  const split = areaCodeZones(e164, table);
  const country = location?.country?.trim().toUpperCase();
  const usAddress = !country || country === 'US' || country === 'USA' || country === 'UNITED STATES';
  const addressState = usAddress ? toStateCode(location?.state) : null;
  return {
    numberZones: fromNumber.zones,
    areaCodeZones: split.zones,
    numberStates:
      split.state && !fromNumber.states.includes(split.state) ? [...fromNumber.states, split.state] : fromNumber.states,
    addressState,
    addressZones: addressState
      ? [...new Set([...stateZones(addressState), ...splitZonesOfState(table, addressState)])]
      : [],
    statedZone: statedZone?.trim() || null,
    zoneData: table.version,
  };
}
