import { demoPersonOf, DEMO_RECORDS, type Crm } from './demo-contacts.js';
import { Rng, streamSeed } from './prng.js';

/** Share of records (per CRM) that are a second record of an already-present person. */
export const DUPLICATE_RATE = 0.03;
/** Of those duplicates, the share whose first record is in the other CRM. */
export const CROSS_CRM_DUPLICATE_SHARE = 0.3;

const DUPLICATE_STREAM: Record<Crm, number> = { salesforce: 101, hubspot: 102 };

export interface RecordIdentity {
  /** Person number (see personAt); negative for demo people. */
  readonly person: number;
  /** The earlier record this one duplicates, if it is a duplicate. */
  readonly duplicateOf: { readonly crm: Crm; readonly row: number } | null;
}

/**
 * Which person contact row `row` of `crm` shows. Most rows have their own person (Salesforce
 * row r: person 2r, HubSpot: 2r+1); a duplicate shows the person of an earlier row (lower index,
 * so resolution always terminates), sometimes of the other CRM's row. A cross-CRM duplicate is a
 * real duplicate when the other CRM's dataset is generated with the same seed and has that row.
 */
export function identityOf(seedHash: number, crm: Crm, row: number): RecordIdentity {
  const demo = demoPersonOf(crm, row);
  if (demo !== undefined) return { person: demo, duplicateOf: null };
  const firstRegular = DEMO_RECORDS[crm].length;
  const rng = new Rng(streamSeed(seedHash, DUPLICATE_STREAM[crm], row));
  if (row > firstRegular && rng.chance(DUPLICATE_RATE)) {
    const crossCrm = rng.chance(CROSS_CRM_DUPLICATE_SHARE);
    const targetCrm: Crm = crossCrm ? (crm === 'salesforce' ? 'hubspot' : 'salesforce') : crm;
    // Never duplicate a demo person: their phones must stay unique for the examples.
    const targetFirst = DEMO_RECORDS[targetCrm].length;
    const target = targetFirst + rng.int(row - firstRegular);
    // target < row always holds (both CRMs have the same number of demo rows): resolution terminates.
    return { person: identityOf(seedHash, targetCrm, target).person, duplicateOf: { crm: targetCrm, row: target } };
  }
  return { person: crm === 'salesforce' ? 2 * row : 2 * row + 1, duplicateOf: null };
}
