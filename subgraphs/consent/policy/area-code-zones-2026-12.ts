import type { AreaCodeZoneTable } from './area-code-zones-schema.js';

/**
 * Area codes whose numbers may be in more than one time zone (rule C3: "latest start, earliest end").
 * libphonenumber's exchange-level zone data names ONE zone for most exchanges of these area codes
 * (850 -> New_York, 270 -> New_York, 541 -> Los_Angeles...), which is wrong for part of each area,
 * so a number of a code listed here gets every zone of its area code unless its exchange is listed
 * under `exchanges` (placed with certainty by the source named there).
 *
 * Never edit a published version in place: copy the file, change `version`, `retrieved` and the
 * rows, and point `index.ts` at the new one, so stored decisions keep naming the table they used.
 */
export const AREA_CODE_ZONES_2026_12: AreaCodeZoneTable = {
  version: 'nanp-split-zones-2026-12-05',
  retrieved: '2026-12-05',
  sources: [
    'NANPA area code maps (nationalnanpa.com, "NPA" planning letters and maps), retrieved 2026-12-05',
    '49 CFR 71 (U.S. time zone boundaries, DOT), current edition',
    'IANA tz database zone.tab comments (county-level zone notes for IN, KY, TN, ND, NE, KS, SD, MI, OR, ID, FL, TX)',
    'compliance-rules.md rule C3 (the list of split area codes dialing-window guides give)',
  ],
  areaCodes: {
    // FL panhandle west of the Apalachicola River is Central.
    '850': { state: 'FL', zones: ['America/Chicago', 'America/New_York'] },
    '448': { state: 'FL', zones: ['America/Chicago', 'America/New_York'], note: 'overlay of 850' },
    // ID: north of the Salmon River is Pacific.
    '208': { state: 'ID', zones: ['America/Boise', 'America/Los_Angeles'] },
    '986': { state: 'ID', zones: ['America/Boise', 'America/Los_Angeles'], note: 'overlay of 208' },
    // OR: most of Malheur County is Mountain.
    '541': { state: 'OR', zones: ['America/Boise', 'America/Los_Angeles'] },
    '458': { state: 'OR', zones: ['America/Boise', 'America/Los_Angeles'], note: 'overlay of 541' },
    // SD: west river is Mountain.
    '605': { state: 'SD', zones: ['America/Chicago', 'America/Denver'] },
    // TX: El Paso and Hudspeth counties are Mountain; the rest of the 915 area Central.
    '915': { state: 'TX', zones: ['America/Chicago', 'America/Denver'] },
    // MI: four Upper Peninsula counties bordering Wisconsin are Central.
    '906': { state: 'MI', zones: ['America/Detroit', 'America/Menominee'] },
    // IN: the northwest and southwest corners are Central.
    '219': { state: 'IN', zones: ['America/Chicago', 'America/Indiana/Indianapolis'] },
    '574': { state: 'IN', zones: ['America/Chicago', 'America/Indiana/Indianapolis'] },
    '812': { state: 'IN', zones: ['America/Chicago', 'America/Indiana/Indianapolis'] },
    '930': { state: 'IN', zones: ['America/Chicago', 'America/Indiana/Indianapolis'], note: 'overlay of 812' },
    // KY: the western half is Central.
    '270': { state: 'KY', zones: ['America/Chicago', 'America/Kentucky/Louisville'] },
    '364': { state: 'KY', zones: ['America/Chicago', 'America/Kentucky/Louisville'], note: 'overlay of 270' },
    '606': { state: 'KY', zones: ['America/Chicago', 'America/New_York'] },
    // TN: East Tennessee is Eastern, the rest Central; 423 and 931 straddle the line.
    '423': { state: 'TN', zones: ['America/Chicago', 'America/New_York'] },
    '931': { state: 'TN', zones: ['America/Chicago', 'America/New_York'] },
    // NE: the panhandle and southwest are Mountain.
    '308': { state: 'NE', zones: ['America/Chicago', 'America/Denver'] },
    // ND: the southwest is Mountain.
    '701': { state: 'ND', zones: ['America/Chicago', 'America/Denver'] },
    // KS: four western counties are Mountain.
    '620': { state: 'KS', zones: ['America/Chicago', 'America/Denver'] },
    '785': { state: 'KS', zones: ['America/Chicago', 'America/Denver'] },
    // Beyond C3's list, same problem: the Aleutians (HST) and the Navajo Nation (MDT in summer).
    '907': { state: 'AK', zones: ['America/Adak', 'America/Anchorage'] },
    '928': { state: 'AZ', zones: ['America/Denver', 'America/Phoenix'] },
  },
};
