import type { GeoFacts } from '../decision/types.js';
import { numberGeo, stateZones } from './phone-geo.js';
import { toStateCode } from './us-states.js';

export interface CrmLocation {
  country?: string | null;
  state?: string | null;
}

/**
 * Candidate zones and states for a callee (C3): the number's exchange data, the CRM address
 * (every zone its state's numbers use, since a street address is not geocoded here) and the zone
 * the CRM states. The decision intersects the windows of all of them.
 */
export function calleeGeo(e164: string, location?: CrmLocation | null, statedZone?: string | null): GeoFacts {
  const fromNumber = numberGeo(e164);
  const country = location?.country?.trim().toUpperCase();
  const usAddress = !country || country === 'US' || country === 'USA' || country === 'UNITED STATES';
  const addressState = usAddress ? toStateCode(location?.state) : null;
  return {
    numberZones: fromNumber.zones,
    numberStates: fromNumber.states,
    addressState,
    addressZones: addressState ? stateZones(addressState) : [],
    statedZone: statedZone?.trim() || null,
  };
}
