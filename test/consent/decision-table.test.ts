import { describe, expect, it } from 'vitest';
import { evaluate } from '../../subgraphs/consent/decision/evaluate.js';
import type { DenyCode } from '../../subgraphs/consent/decision/types.js';
import { attempts, cleanSuppression, facts, grant, policy, revoke, SELLER, type FactsInput } from './support/facts.js';

/**
 * The decision table: every rule of compliance-rules.md, every case it lists, and the edges the
 * issue names. Each row asserts the exact deny codes (and nextAllowedAt where time alone clears).
 * Instants are UTC; comments give the callee's local time.
 */
interface Row {
  name: string;
  input: FactsInput;
  reasons: DenyCode[];
  next?: string | null;
  obligations?: string[];
}

const MIAMI = '+13055550100'; // America/New_York, FL
const PANHANDLE_CT = '+18502305555'; // 850-230: America/Chicago, FL
const BOISE = '+12085550100'; // 208: America/Boise + America/Los_Angeles, ID
const PHOENIX = '+16025550100'; // America/Phoenix (no DST)
const HONOLULU = '+18085550100'; // Pacific/Honolulu (no DST)
const TORONTO = '+14165550100'; // Canada
const ATLANTA = '+14045550100'; // GA
const OKC = '+14055550100'; // OK, America/Chicago
const BALTIMORE = '+14105550100'; // MD
const BIRMINGHAM = '+12055550100'; // AL, America/Chicago
const JACKSON = '+16015550100'; // MS, America/Chicago
const HARTFORD = '+18605550100'; // CT
const LOUISVILLE = '+15025550100'; // KY, America/New_York
const LA = '+12135550100'; // CA
const TOLL_FREE = '+18885550100';

const hc = { seller: 'acme-health', purpose: 'HEALTHCARE_APPOINTMENT' as const };
const patientProvided = (over = {}) =>
  grant({
    consentType: 'PATIENT_PROVIDED',
    sellers: ['acme-health'],
    purposes: ['HEALTHCARE_APPOINTMENT', 'HEALTHCARE_PRESCRIPTION'],
    evidence: { source: 'intake-form' },
    ...over,
  });
const listed = (over: Partial<ReturnType<typeof cleanSuppression>> = {}) => ({
  ...cleanSuppression(),
  national: { listed: true, syncedAt: new Date('2026-06-01T00:00:00Z') },
  ...over,
});
const AT = new Date('2026-06-10T16:00:00Z');
const monthsBefore = (months: number, days: number) => {
  const d = new Date(AT);
  d.setUTCMonth(d.getUTCMonth() - months);
  return new Date(d.getTime() + days * 86_400_000);
};

/**
 * C3 split-zone area codes: every code rule C3 names (and the overlays sharing its area), with the
 * two zones it spans and the UTC offset of the western one on 10 June 2026 (DST in force), and the
 * state window start where a state narrows the federal 8:00-21:00. Two rows per code, hand-computed:
 * - 07:30 in the western zone (08:30 in the eastern) is too early;
 * - 20:30 in the western zone (21:30 in the eastern) is too late.
 * libphonenumber names one zone for most of these exchanges, so a decision on its data alone
 * passes one of the two rows for every code.
 */
const SPLIT_CODES: {
  code: string;
  state: string;
  zones: [east: string, west: string];
  westOffset: number;
  stateStart?: number;
}[] = [
  { code: '850', state: 'FL', zones: ['America/New_York', 'America/Chicago'], westOffset: -5, stateStart: 8 },
  { code: '448', state: 'FL', zones: ['America/New_York', 'America/Chicago'], westOffset: -5, stateStart: 8 },
  { code: '208', state: 'ID', zones: ['America/Boise', 'America/Los_Angeles'], westOffset: -7 },
  { code: '986', state: 'ID', zones: ['America/Boise', 'America/Los_Angeles'], westOffset: -7 },
  { code: '541', state: 'OR', zones: ['America/Boise', 'America/Los_Angeles'], westOffset: -7 },
  { code: '458', state: 'OR', zones: ['America/Boise', 'America/Los_Angeles'], westOffset: -7 },
  { code: '605', state: 'SD', zones: ['America/Chicago', 'America/Denver'], westOffset: -6 },
  { code: '915', state: 'TX', zones: ['America/Chicago', 'America/Denver'], westOffset: -6 },
  { code: '906', state: 'MI', zones: ['America/Detroit', 'America/Menominee'], westOffset: -5, stateStart: 9 },
  { code: '219', state: 'IN', zones: ['America/Indiana/Indianapolis', 'America/Chicago'], westOffset: -5 },
  { code: '574', state: 'IN', zones: ['America/Indiana/Indianapolis', 'America/Chicago'], westOffset: -5 },
  { code: '812', state: 'IN', zones: ['America/Indiana/Indianapolis', 'America/Chicago'], westOffset: -5 },
  { code: '930', state: 'IN', zones: ['America/Indiana/Indianapolis', 'America/Chicago'], westOffset: -5 },
  {
    code: '270',
    state: 'KY',
    zones: ['America/Kentucky/Louisville', 'America/Chicago'],
    westOffset: -5,
    stateStart: 10,
  },
  {
    code: '364',
    state: 'KY',
    zones: ['America/Kentucky/Louisville', 'America/Chicago'],
    westOffset: -5,
    stateStart: 10,
  },
  { code: '606', state: 'KY', zones: ['America/New_York', 'America/Chicago'], westOffset: -5, stateStart: 10 },
  { code: '423', state: 'TN', zones: ['America/New_York', 'America/Chicago'], westOffset: -5 },
  { code: '931', state: 'TN', zones: ['America/New_York', 'America/Chicago'], westOffset: -5 },
  { code: '308', state: 'NE', zones: ['America/Chicago', 'America/Denver'], westOffset: -6 },
  { code: '701', state: 'ND', zones: ['America/Chicago', 'America/Denver'], westOffset: -6 },
  { code: '620', state: 'KS', zones: ['America/Chicago', 'America/Denver'], westOffset: -6 },
  { code: '785', state: 'KS', zones: ['America/Chicago', 'America/Denver'], westOffset: -6 },
  { code: '907', state: 'AK', zones: ['America/Anchorage', 'America/Adak'], westOffset: -9 },
  { code: '928', state: 'AZ', zones: ['America/Denver', 'America/Phoenix'], westOffset: -7 },
];
/** 10 June 2026 (or the 11th when the hour passes midnight UTC) at `hour:minute` in a zone `offset` hours from UTC. */
const utcAt = (day: number, hour: number, minute: number, offset: number) =>
  new Date(Date.UTC(2026, 5, day, hour - offset, minute)).toISOString();
const splitZoneRows: Row[] = SPLIT_CODES.flatMap(({ code, state, westOffset, stateStart }) => {
  const phone = `+1${code}5550100`;
  const open = stateStart ?? 8;
  const windowed = stateStart !== undefined;
  return [
    {
      name: `C3 split-zone ${code} (${state}): 07:30 in its western zone is too early`,
      input: { phone, at: utcAt(10, 7, 30, westOffset) },
      reasons: windowed ? ['OUTSIDE_CALLING_HOURS', 'OUTSIDE_STATE_HOURS'] : ['OUTSIDE_CALLING_HOURS'],
      next: utcAt(10, open, 0, westOffset),
    },
    {
      name: `C3 split-zone ${code} (${state}): 21:30 in its eastern zone is too late`,
      input: { phone, at: utcAt(10, 20, 30, westOffset) },
      reasons: windowed ? ['OUTSIDE_CALLING_HOURS', 'OUTSIDE_STATE_HOURS'] : ['OUTSIDE_CALLING_HOURS'],
      next: utcAt(11, open, 0, westOffset),
    },
  ] satisfies Row[];
});

const rows: Row[] = [
  ...splitZoneRows,
  {
    name: 'C3 split-zone 270 (KY) with a Kentucky address and a stated Eastern zone still gets Central',
    input: {
      phone: '+12705550100',
      location: { country: 'US', state: 'KY' },
      statedZone: 'America/New_York',
      at: '2026-06-10T14:30:00Z',
    },
    reasons: ['OUTSIDE_STATE_HOURS'],
    next: '2026-06-10T15:00:00.000Z',
  },
  {
    name: 'C3 a toll-free number with a Tennessee address gets both Tennessee zones',
    input: { phone: TOLL_FREE, location: { state: 'TN' }, at: '2026-06-11T01:30:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-11T13:00:00.000Z',
  },
  // --- baseline and jurisdiction ---
  {
    name: 'complete written consent, NY noon: allowed',
    input: {},
    reasons: [],
    obligations: ['ID_DISCLOSURE', 'OPT_OUT_OFFER', 'AI_DISCLOSURE_REQUIRED'],
  },
  { name: 'unparseable number', input: { phone: '12' }, reasons: ['INVALID_NUMBER'] },
  { name: 'invalid NANP number (555 area code)', input: { phone: '+15555550100' }, reasons: ['INVALID_NUMBER'] },
  { name: 'Canadian number is another jurisdiction', input: { phone: TORONTO }, reasons: ['JURISDICTION_UNSUPPORTED'] },
  {
    name: 'UK number is another jurisdiction',
    input: { phone: '+442071234567' },
    reasons: ['JURISDICTION_UNSUPPORTED'],
  },

  // --- A1-A4 consent ---
  { name: 'A1 no consent at all', input: { ledger: [] }, reasons: ['NO_CONSENT'] },
  {
    name: 'A2/A3 consent for Seller A does not allow Seller B',
    input: { seller: 'globex' },
    reasons: ['CONSENT_SELLER_MISMATCH'],
  },
  {
    name: 'A3 consent naming several sellers covers each named seller',
    input: { seller: 'globex', ledger: [grant({ sellers: [SELLER, 'globex'] })] },
    reasons: [],
  },
  { name: 'A2 unknown seller cannot match a consent', input: { seller: null }, reasons: ['CONSENT_SELLER_MISMATCH'] },
  {
    name: 'A2 informational consent does not allow a marketing call',
    input: { ledger: [grant({ consentType: 'ORAL', purposes: ['INFORMATIONAL'] })] },
    reasons: ['CONSENT_INSUFFICIENT'],
  },
  {
    name: 'A2 oral informational consent allows an informational call',
    input: {
      purpose: 'INFORMATIONAL',
      ledger: [grant({ consentType: 'ORAL', purposes: ['INFORMATIONAL'], evidence: { source: 'ivr' } })],
    },
    reasons: [],
  },
  {
    name: 'A2 consent covering only autodialed texts does not allow an AI-voice marketing call',
    input: { ledger: [grant({ channels: ['SMS'], coversArtificialVoice: false })] },
    reasons: ['CONSENT_INSUFFICIENT'],
  },
  {
    name: 'A2 written consent not covering an artificial voice',
    input: { ledger: [grant({ coversArtificialVoice: false })] },
    reasons: ['CONSENT_INSUFFICIENT'],
  },
  {
    name: 'A2 oral consent never suffices for marketing',
    input: { ledger: [grant({ consentType: 'ORAL' })] },
    reasons: ['CONSENT_INSUFFICIENT'],
  },
  {
    name: 'A2 written consent without the no-condition-of-purchase statement',
    input: { ledger: [grant({ disclosure: { version: 'v3', hash: 'h', notConditionOfPurchase: false } })] },
    reasons: ['CONSENT_INSUFFICIENT'],
  },
  {
    name: 'A2 consent naming another number',
    input: { ledger: [grant({ evidence: { ...grant().evidence, numberOnForm: '+12125550199' } })] },
    reasons: ['CONSENT_NUMBER_MISMATCH'],
  },
  {
    name: 'A4 written consent missing the disclosure hash',
    input: { ledger: [grant({ disclosure: { version: 'v3', hash: null, notConditionOfPurchase: true } })] },
    reasons: ['CONSENT_EVIDENCE_INCOMPLETE'],
  },
  {
    name: 'A4 written consent with neither IP, recording nor form reference',
    input: { ledger: [grant({ evidence: { source: 'web', signatureMethod: 'esign' } })] },
    reasons: ['CONSENT_EVIDENCE_INCOMPLETE'],
  },
  {
    name: 'A4 a recording reference is enough evidence',
    input: {
      ledger: [grant({ evidence: { source: 'ivr', signatureMethod: 'voice-signature', recordingRef: 'rec-1' } })],
    },
    reasons: [],
  },

  // --- B1-B3 revocation ---
  {
    name: 'B1 spoken "stop calling me" in a transcript at 14:02 denies a retry at 14:03',
    input: {
      at: '2026-06-10T18:03:00Z',
      ledger: [grant(), revoke({ channel: 'TRANSCRIPT', occurredAt: new Date('2026-06-10T18:02:00Z') })],
    },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B1 a STOP reply to a text blocks voice calls too',
    input: { ledger: [grant(), revoke({ channel: 'SMS_KEYWORD' })] },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B1 keypress opt-out',
    input: { ledger: [grant(), revoke({ channel: 'KEYPRESS' })] },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B1 CRM do-not-call flag',
    input: { ledger: [grant(), revoke({ channel: 'CRM_FLAG', scope: 'ALL_SELLERS', seller: null })] },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B3 revocation to Seller A leaves Seller B consent alone',
    input: { seller: 'globex', ledger: [grant({ sellers: ['globex'] }), grant(), revoke()] },
    reasons: [],
  },
  {
    name: 'B3 revoke-all reaches every seller',
    input: {
      seller: 'globex',
      ledger: [grant({ sellers: ['globex'] }), revoke({ scope: 'ALL_SELLERS', seller: null })],
    },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B3 revocation covers every purpose of the seller',
    input: { purpose: 'INFORMATIONAL', ledger: [grant(), revoke()] },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B2 revoke then re-consent: the later grant wins',
    input: {
      ledger: [grant(), revoke(), grant({ occurredAt: new Date('2026-04-01T15:00:00Z') })],
      reassigned: {
        result: 'NO',
        consentDate: new Date('2026-04-01T15:00:00Z'),
        checkedAt: new Date('2026-06-09T00:00:00Z'),
        version: 'v',
      },
    },
    reasons: [],
  },
  {
    name: 'B2 a backdated grant ingested after a revocation never resurrects consent',
    input: { ledger: [grant(), revoke(), grant({ occurredAt: new Date('2026-02-01T00:00:00Z') })] },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B2 a backdated revocation older than the grant does not cancel it',
    input: { ledger: [grant(), revoke({ occurredAt: new Date('2025-12-01T00:00:00Z') })] },
    reasons: [],
  },
  {
    name: 'B2 grant and revocation at the same instant: revoked',
    input: { ledger: [grant(), revoke({ occurredAt: new Date(grant().occurredAt) })] },
    reasons: ['CONSENT_REVOKED'],
  },
  {
    name: 'B3 a revocation with no prior consent still reads as revoked',
    input: { ledger: [revoke()] },
    reasons: ['CONSENT_REVOKED'],
  },

  // --- D1-D4 suppression ---
  {
    name: 'D1 registered number with signed written permission: allowed',
    input: { suppression: listed() },
    reasons: [],
  },
  {
    name: 'D1 registered number, no consent, no relationship',
    input: { ledger: [], suppression: listed() },
    reasons: ['NO_CONSENT', 'NATIONAL_DNC'],
  },
  {
    name: 'D1 purchase 18 months minus 1 day ago lifts DNC, never consent',
    input: {
      ledger: [],
      suppression: listed({ relationships: [{ seller: SELLER, kind: 'PURCHASE', occurredAt: monthsBefore(18, 1) }] }),
    },
    reasons: ['NO_CONSENT'],
  },
  {
    name: 'D1 purchase 18 months plus 1 day ago no longer lifts DNC',
    input: {
      ledger: [],
      suppression: listed({ relationships: [{ seller: SELLER, kind: 'PURCHASE', occurredAt: monthsBefore(18, -1) }] }),
    },
    reasons: ['NO_CONSENT', 'NATIONAL_DNC'],
  },
  {
    name: 'D1 inquiry 3 months minus 1 day ago lifts DNC',
    input: {
      ledger: [],
      suppression: listed({ relationships: [{ seller: SELLER, kind: 'INQUIRY', occurredAt: monthsBefore(3, 1) }] }),
    },
    reasons: ['NO_CONSENT'],
  },
  {
    name: 'D1 inquiry 3 months plus 1 day ago does not',
    input: {
      ledger: [],
      suppression: listed({ relationships: [{ seller: SELLER, kind: 'INQUIRY', occurredAt: monthsBefore(3, -1) }] }),
    },
    reasons: ['NO_CONSENT', 'NATIONAL_DNC'],
  },
  {
    name: 'D1 relationship of another seller does not lift DNC',
    input: {
      ledger: [],
      suppression: listed({ relationships: [{ seller: 'globex', kind: 'PURCHASE', occurredAt: monthsBefore(1, 0) }] }),
    },
    reasons: ['NO_CONSENT', 'NATIONAL_DNC'],
  },
  {
    name: 'D1 relationship ended by an internal DNC request',
    input: {
      ledger: [],
      suppression: listed({
        relationships: [{ seller: SELLER, kind: 'PURCHASE', occurredAt: monthsBefore(2, 0) }],
        internalDnc: [{ addedAt: monthsBefore(1, 0), scope: 'SELLER', seller: SELLER }],
      }),
    },
    reasons: ['NO_CONSENT', 'INTERNAL_DNC', 'NATIONAL_DNC'],
  },
  {
    name: 'D1 DNC data 32 days old is stale',
    input: { suppression: cleanSuppression('2026-05-09T16:00:00Z') },
    reasons: ['DNC_DATA_STALE'],
  },
  {
    name: 'D1 DNC data exactly 31 days old is still fresh',
    input: { suppression: cleanSuppression('2026-05-10T16:00:00Z') },
    reasons: [],
  },
  {
    name: 'D1 area code never downloaded counts as stale',
    input: { suppression: { ...cleanSuppression(), national: { listed: false, syncedAt: null } } },
    reasons: ['DNC_DATA_STALE'],
  },
  {
    name: 'D1 registry and staleness do not apply to informational calls',
    input: { purpose: 'INFORMATIONAL', suppression: { ...listed(), national: { listed: true, syncedAt: null } } },
    reasons: [],
  },
  {
    name: 'D3 Florida state DNC hit without permission',
    input: {
      phone: MIAMI,
      ledger: [],
      suppression: { ...cleanSuppression(), state: [{ state: 'FL', listed: true, syncedAt: new Date('2026-06-01') }] },
    },
    reasons: ['NO_CONSENT', 'STATE_DNC'],
  },
  {
    name: 'D3 Florida state list never synced is stale',
    input: { phone: MIAMI, suppression: { ...cleanSuppression(), state: [] } },
    reasons: ['DNC_DATA_STALE'],
  },
  {
    name: 'D4 internal DNC for every seller',
    input: {
      suppression: {
        ...cleanSuppression(),
        internalDnc: [{ addedAt: new Date('2026-05-01'), scope: 'ALL', seller: null }],
      },
    },
    reasons: ['INTERNAL_DNC'],
  },
  {
    name: 'D4 internal DNC of another seller does not apply',
    input: {
      suppression: {
        ...cleanSuppression(),
        internalDnc: [{ addedAt: new Date('2026-05-01'), scope: 'SELLER', seller: 'globex' }],
      },
    },
    reasons: [],
  },
  {
    name: 'D4 internal DNC also stops informational calls',
    input: {
      purpose: 'INFORMATIONAL',
      suppression: {
        ...cleanSuppression(),
        internalDnc: [{ addedAt: new Date('2026-05-01'), scope: 'SELLER', seller: SELLER }],
      },
    },
    reasons: ['INTERNAL_DNC'],
  },

  // --- internal suppression: the known-litigator list ---
  {
    name: 'litigator list hit denies a consented marketing call',
    input: { suppression: { ...cleanSuppression(), litigator: { listed: true, syncedAt: new Date('2026-05-01') } } },
    reasons: ['KNOWN_LITIGATOR'],
  },
  {
    name: 'litigator list hit denies an informational call',
    input: {
      purpose: 'INFORMATIONAL',
      suppression: { ...cleanSuppression(), litigator: { listed: true, syncedAt: new Date('2026-05-01') } },
    },
    reasons: ['KNOWN_LITIGATOR'],
  },
  {
    name: 'litigator list hit is listed with the other reasons',
    input: { ledger: [], suppression: { ...listed(), litigator: { listed: true, syncedAt: null } } },
    reasons: ['NO_CONSENT', 'NATIONAL_DNC', 'KNOWN_LITIGATOR'],
  },
  {
    name: 'litigator list does not stop an emergency call',
    input: {
      purpose: 'EMERGENCY',
      ledger: [],
      suppression: { ...cleanSuppression(), litigator: { listed: true, syncedAt: null } },
    },
    reasons: [],
  },
  {
    name: 'an old litigator list is never "stale" (internal list)',
    input: { suppression: { ...cleanSuppression(), litigator: { listed: false, syncedAt: new Date('2020-01-01') } } },
    reasons: [],
  },

  // --- E1 reassigned numbers ---
  {
    name: 'E1 number reassigned since consent',
    input: {
      reassigned: {
        result: 'YES',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2026-06-09'),
        version: 'v',
      },
    },
    reasons: ['NUMBER_REASSIGNED'],
  },
  {
    name: 'E1 database has no data',
    input: {
      reassigned: {
        result: 'NO_DATA',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2026-06-09'),
        version: 'v',
      },
    },
    reasons: ['RND_NO_DATA'],
  },
  {
    name: 'E1 a "no" older than 30 days gives no safe harbor',
    input: {
      reassigned: {
        result: 'NO',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2026-05-01'),
        version: 'v',
      },
    },
    reasons: ['RND_NO_DATA'],
  },
  {
    name: 'E1 a "no" for another consent date gives no safe harbor',
    input: {
      reassigned: {
        result: 'NO',
        consentDate: new Date('2025-01-10T15:00:00Z'),
        checkedAt: new Date('2026-06-09'),
        version: 'v',
      },
    },
    reasons: ['RND_NO_DATA'],
  },

  // --- C1-C3 calling hours and zones ---
  {
    name: 'C1 07:59 local is too early',
    input: { at: '2026-06-10T11:59:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-10T12:00:00.000Z',
  },
  { name: 'C1 08:00 local is allowed', input: { at: '2026-06-10T12:00:00Z' }, reasons: [] },
  { name: 'C1 20:59 local is allowed', input: { at: '2026-06-11T00:59:00Z' }, reasons: [] },
  {
    name: 'C1 21:00 local is too late; next is 08:00 tomorrow',
    input: { at: '2026-06-11T01:00:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-11T12:00:00.000Z',
  },
  {
    name: 'C1 emergency calls ignore hours and consent',
    input: { purpose: 'EMERGENCY', ledger: [], at: '2026-06-11T03:00:00Z' },
    reasons: [],
  },
  {
    name: 'C2 Florida 20:30 is past the state cutoff',
    input: { phone: MIAMI, at: '2026-06-11T00:30:00Z' },
    reasons: ['OUTSIDE_STATE_HOURS'],
    next: '2026-06-11T12:00:00.000Z',
  },
  {
    name: 'C2 Florida 21:30 breaks both windows',
    input: { phone: MIAMI, at: '2026-06-11T01:30:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS', 'OUTSIDE_STATE_HOURS'],
    next: '2026-06-11T12:00:00.000Z',
  },
  {
    name: 'C2 Florida area code with a Georgia address still gets the 20:00 cutoff',
    input: { phone: MIAMI, location: { country: 'US', state: 'GA' }, at: '2026-06-11T00:15:00Z' },
    reasons: ['OUTSIDE_STATE_HOURS'],
    next: '2026-06-11T12:00:00.000Z',
  },
  {
    name: 'C2 Florida area code with a Georgia address gets the 3-in-24 h cap',
    input: {
      phone: MIAMI,
      location: { country: 'US', state: 'GA' },
      attempts: attempts(['2026-06-09T18:00:00Z', '2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z']),
    },
    reasons: ['FREQUENCY_CAP_EXCEEDED'],
    next: '2026-06-10T18:00:00.000Z',
  },
  {
    name: 'C2 Georgia number with a Florida address: state rules are a union',
    input: { phone: ATLANTA, location: { state: 'Florida' }, at: '2026-06-11T00:30:00Z' },
    reasons: ['OUTSIDE_STATE_HOURS'],
    next: '2026-06-11T13:00:00.000Z',
  },
  {
    name: 'C2 cap boundary: two attempts in 24 h leave one slot',
    input: { phone: MIAMI, attempts: attempts(['2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z']) },
    reasons: [],
  },
  {
    name: 'C2 cap boundary: an attempt exactly 24 h ago has left the window',
    input: {
      phone: MIAMI,
      attempts: attempts(['2026-06-09T16:00:00Z', '2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z']),
    },
    reasons: [],
  },
  {
    name: 'C2 cap boundary: 23:59 ago still counts',
    input: {
      phone: MIAMI,
      attempts: attempts(['2026-06-09T16:01:00Z', '2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z']),
    },
    reasons: ['FREQUENCY_CAP_EXCEEDED'],
    next: '2026-06-10T16:01:00.000Z',
  },
  {
    name: 'C2 the cap counts per subject',
    input: {
      phone: MIAMI,
      subject: 'renewal',
      attempts: attempts(['2026-06-10T12:00:00Z', '2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z']),
    },
    reasons: [],
  },
  {
    name: 'C2 the cap counts per seller',
    input: {
      phone: MIAMI,
      attempts: attempts(['2026-06-10T12:00:00Z', '2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z'], {
        seller: 'globex',
      }),
    },
    reasons: [],
  },
  {
    name: 'C2 Oklahoma has the same cap',
    input: { phone: OKC, attempts: attempts(['2026-06-10T12:00:00Z', '2026-06-10T13:00:00Z', '2026-06-10T14:00:00Z']) },
    reasons: ['FREQUENCY_CAP_EXCEEDED'],
    next: '2026-06-11T13:00:00.000Z',
  },
  {
    name: 'C2 Maryland 20:10 local',
    input: { phone: BALTIMORE, at: '2026-06-11T00:10:00Z' },
    reasons: ['OUTSIDE_STATE_HOURS'],
    next: '2026-06-11T12:00:00.000Z',
  },
  {
    name: 'C2 no cap outside FL/OK/MD',
    input: {
      attempts: attempts([
        '2026-06-10T12:00:00Z',
        '2026-06-10T13:00:00Z',
        '2026-06-10T14:00:00Z',
        '2026-06-10T15:00:00Z',
      ]),
    },
    reasons: [],
  },
  {
    name: 'C2 Alabama: no calls on Sunday',
    input: { phone: BIRMINGHAM, at: '2026-06-14T16:00:00Z' },
    reasons: ['STATE_DAY_RESTRICTED'],
    next: '2026-06-15T13:00:00.000Z',
  },
  {
    name: 'C2 Alabama: no calls on a state holiday',
    input: { phone: BIRMINGHAM, at: '2026-07-03T16:00:00Z', suppression: cleanSuppression('2026-07-01T00:00:00Z') },
    reasons: ['STATE_DAY_RESTRICTED'],
    next: '2026-07-04T13:00:00.000Z',
  },
  {
    name: 'C2 Alabama: a year without holiday data fails closed',
    input: {
      phone: BIRMINGHAM,
      at: '2029-06-13T16:00:00Z',
      suppression: cleanSuppression('2029-06-01T00:00:00Z'),
      reassigned: {
        result: 'NO',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2029-06-12'),
        version: 'v',
      },
    },
    reasons: ['STATE_DAY_RESTRICTED'],
    next: null,
  },
  {
    name: 'C2 Mississippi: no Sunday calls',
    input: { phone: JACKSON, at: '2026-06-14T16:00:00Z' },
    reasons: ['STATE_DAY_RESTRICTED'],
    next: '2026-06-15T13:00:00.000Z',
  },
  {
    name: 'C2 Connecticut 08:30 is before its 9:00 start',
    input: { phone: HARTFORD, at: '2026-06-10T12:30:00Z' },
    reasons: ['OUTSIDE_STATE_HOURS'],
    next: '2026-06-10T13:00:00.000Z',
  },
  {
    name: 'C2 Kentucky 09:30 is before its 10:00 start',
    input: { phone: LOUISVILLE, at: '2026-06-10T13:30:00Z' },
    reasons: ['OUTSIDE_STATE_HOURS'],
    next: '2026-06-10T14:00:00.000Z',
  },
  {
    name: 'C3 split-zone area code 208: 08:30 Mountain is 07:30 Pacific',
    input: { phone: BOISE, at: '2026-06-10T14:30:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-10T15:00:00.000Z',
  },
  {
    name: 'C3 split-zone 850 exchange in Central time',
    input: { phone: PANHANDLE_CT, at: '2026-06-10T12:30:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS', 'OUTSIDE_STATE_HOURS'],
    next: '2026-06-10T13:00:00.000Z',
  },
  {
    name: 'C3 Arizona keeps MST in summer: 08:00 local allowed',
    input: { phone: PHOENIX, at: '2026-06-10T15:00:00Z' },
    reasons: [],
  },
  {
    name: 'C3 Arizona 07:30 local in summer',
    input: { phone: PHOENIX, at: '2026-06-10T14:30:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-10T15:00:00.000Z',
  },
  {
    name: 'C3 Hawaii 07:00 local',
    input: { phone: HONOLULU, at: '2026-06-10T17:00:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-10T18:00:00.000Z',
  },
  { name: 'C3 Hawaii 08:00 local', input: { phone: HONOLULU, at: '2026-06-10T18:00:00Z' }, reasons: [] },
  {
    name: 'C3 stated zone that disagrees is intersected',
    input: { statedZone: 'America/Los_Angeles', at: '2026-06-10T14:30:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-10T15:00:00.000Z',
  },
  { name: 'C3 no zone resolved: deny', input: { phone: TOLL_FREE }, reasons: ['TIMEZONE_UNRESOLVED'], next: null },
  {
    name: 'C3 toll-free number with a stated zone resolves',
    input: { phone: TOLL_FREE, statedZone: 'America/Chicago' },
    reasons: [],
  },
  {
    name: 'C3 an invalid stated zone resolves nothing',
    input: { phone: TOLL_FREE, statedZone: 'Mars/Olympus' },
    reasons: ['TIMEZONE_UNRESOLVED'],
  },
  {
    name: 'C3 toll-free number with an Arizona address uses both Arizona zones',
    input: { phone: TOLL_FREE, location: { state: 'AZ' }, at: '2026-06-10T14:30:00Z' },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-06-10T15:00:00.000Z',
  },
  {
    name: 'DST spring-forward day: 07:59 EDT',
    input: {
      at: '2026-03-08T11:59:00Z',
      suppression: cleanSuppression('2026-03-01T00:00:00Z'),
      reassigned: {
        result: 'NO',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2026-03-07'),
        version: 'v',
      },
    },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-03-08T12:00:00.000Z',
  },
  {
    name: 'DST fall-back day: 07:30 EST',
    input: {
      at: '2026-11-01T12:30:00Z',
      suppression: cleanSuppression('2026-10-20T00:00:00Z'),
      reassigned: {
        result: 'NO',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2026-10-30'),
        version: 'v',
      },
    },
    reasons: ['OUTSIDE_CALLING_HOURS'],
    next: '2026-11-01T13:00:00.000Z',
  },
  {
    name: 'DST fall-back: caps count 24 real hours in UTC, not wall-clock hours',
    // 3 attempts at 18:45 EDT Oct 31; 18:15 EST Nov 1 is 23.5 wall-clock hours but 24.5 real hours later.
    input: {
      phone: MIAMI,
      at: '2026-11-01T23:15:00Z',
      suppression: cleanSuppression('2026-10-20T00:00:00Z'),
      attempts: attempts(['2026-10-31T22:45:00Z', '2026-10-31T22:44:00Z', '2026-10-31T22:43:00Z']),
      reassigned: {
        result: 'NO',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2026-10-30'),
        version: 'v',
      },
    },
    reasons: [],
  },
  {
    name: 'DST spring-forward: 23.25 real hours is still inside the 24 h cap',
    // 3 attempts at 19:30 EST Mar 7; 19:45 EDT Mar 8 is 24.25 wall-clock hours but 23.25 real hours later.
    input: {
      phone: MIAMI,
      at: '2026-03-08T23:45:00Z',
      suppression: cleanSuppression('2026-03-01T00:00:00Z'),
      attempts: attempts(['2026-03-08T00:30:00Z', '2026-03-08T00:20:00Z', '2026-03-08T00:10:00Z']),
      reassigned: {
        result: 'NO',
        consentDate: new Date('2026-01-10T15:00:00Z'),
        checkedAt: new Date('2026-03-07'),
        version: 'v',
      },
    },
    reasons: ['FREQUENCY_CAP_EXCEEDED'],
    // The slot frees at 00:10Z = 20:10 EDT, past the Florida cutoff: next is 08:00 EDT the day after.
    next: '2026-03-09T12:00:00.000Z',
  },

  // --- G1/G2 healthcare ---
  {
    name: 'G1 exempt appointment reminder from a covered entity to a patient-provided number',
    input: { ...hc, ledger: [patientProvided()] },
    reasons: [],
  },
  {
    name: 'G1 second exempt reminder within 24 h',
    input: {
      ...hc,
      ledger: [patientProvided()],
      attempts: attempts(['2026-06-10T12:00:00Z'], { seller: 'acme-health', purpose: 'HEALTHCARE_APPOINTMENT' }),
    },
    reasons: ['FREQUENCY_CAP_EXCEEDED'],
    next: '2026-06-11T12:00:00.000Z',
  },
  {
    name: 'G1 a fourth exempt reminder in a week is denied',
    input: {
      ...hc,
      ledger: [patientProvided()],
      attempts: attempts(['2026-06-04T17:00:00Z', '2026-06-06T16:00:00Z', '2026-06-08T16:00:00Z'], {
        seller: 'acme-health',
        purpose: 'HEALTHCARE_PRESCRIPTION',
      }),
    },
    reasons: ['FREQUENCY_CAP_EXCEEDED'],
    next: '2026-06-11T17:00:00.000Z',
  },
  {
    name: 'G1 a billing reminder is not exempt',
    input: { seller: 'acme-health', purpose: 'HEALTHCARE_BILLING', ledger: [patientProvided()] },
    reasons: ['CONSENT_INSUFFICIENT', 'HC_EXEMPTION_INELIGIBLE'],
  },
  {
    name: 'G1 a seller that is no covered entity gets no exemption',
    input: { purpose: 'HEALTHCARE_APPOINTMENT', ledger: [] },
    reasons: ['NO_CONSENT', 'HC_EXEMPTION_INELIGIBLE'],
  },
  {
    name: 'G1 opt-out honored: revoked patient-provided number',
    input: { ...hc, ledger: [patientProvided(), revoke({ seller: 'acme-health', channel: 'KEYPRESS' })] },
    reasons: ['CONSENT_REVOKED', 'HC_EXEMPTION_INELIGIBLE'],
  },
  {
    name: 'G2 communication preference restricts healthcare voice calls',
    input: {
      ...hc,
      ledger: [patientProvided()],
      suppression: {
        ...cleanSuppression(),
        internalDnc: [{ addedAt: new Date('2026-05-01'), scope: 'HEALTHCARE_VOICE', seller: null }],
      },
    },
    reasons: ['COMM_PREF_RESTRICTED'],
  },
  {
    name: 'G2 more PHI than the purpose needs',
    input: { ...hc, ledger: [patientProvided()], phiFields: ['firstName', 'diagnosis'] },
    reasons: ['PHI_EXCESS'],
  },
  {
    name: 'G2 minimum-necessary PHI passes',
    input: { ...hc, ledger: [patientProvided()], phiFields: ['firstName', 'appointmentAt'] },
    reasons: [],
  },

  // --- CRM facts ---
  { name: 'closed deal stops a marketing call', input: { deal: { closed: true } }, reasons: ['DEAL_CLOSED'] },
  {
    name: 'closed deal does not stop an informational call',
    input: { purpose: 'INFORMATIONAL', deal: { closed: true } },
    reasons: [],
  },
  { name: 'CRM do-not-call flag denies a marketing call', input: { crmDoNotCall: true }, reasons: ['CRM_DO_NOT_CALL'] },
  { name: 'CRM do-not-call flag false changes nothing', input: { crmDoNotCall: false }, reasons: [] },

  // --- fail closed ---
  { name: 'ledger unreadable', input: { ledger: null }, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] },
  { name: 'suppression unreadable', input: { suppression: null }, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] },
  {
    name: 'reassigned-number check unavailable',
    input: { reassigned: null },
    reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
  },
  {
    name: 'attempt counts unreadable where a cap applies',
    input: { phone: MIAMI, attempts: null },
    reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
  },
  { name: 'location facts unreadable', input: { geo: null }, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] },
  { name: 'CRM facts unreadable', input: { unavailable: ['crm'] }, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] },

  // --- several reasons at once, obligations ---
  {
    name: 'every applicable reason is listed, and time cannot clear them',
    input: {
      ledger: [],
      at: '2026-06-11T02:00:00Z',
      suppression: listed({ internalDnc: [{ addedAt: new Date('2026-05-01'), scope: 'ALL', seller: null }] }),
    },
    reasons: ['NO_CONSENT', 'INTERNAL_DNC', 'NATIONAL_DNC', 'OUTSIDE_CALLING_HOURS'],
    next: null,
  },
  {
    name: 'California callee: recording notice and AI disclosure law',
    input: { phone: LA },
    reasons: [],
    obligations: ['ID_DISCLOSURE', 'OPT_OUT_OFFER', 'AI_DISCLOSURE_REQUIRED', 'RECORDING_NOTICE_REQUIRED'],
  },
  {
    name: 'informational call carries no opt-out-offer obligation',
    input: { purpose: 'INFORMATIONAL' },
    reasons: [],
    obligations: ['ID_DISCLOSURE', 'AI_DISCLOSURE_REQUIRED'],
  },
];

describe('C3 split-zone area codes: the decision reports the zones it applied', () => {
  it.each(SPLIT_CODES.map((c) => [c.code, c] as const))('%s', (_code, { code, zones, state }) => {
    const decision = evaluate(facts({ phone: `+1${code}5550100` }), policy);
    expect(decision.evidence.zones).toEqual(expect.arrayContaining(zones));
    expect(decision.evidence.states).toContain(state);
    expect(decision.evidence.zoneData).toMatch(/^nanp-split-zones-/);
  });
});

describe('every decision that uses registry data shows its date', () => {
  it('lists national, each applicable state list and the litigator list with their dates', () => {
    const decision = evaluate(
      facts({
        phone: MIAMI,
        suppression: {
          ...cleanSuppression('2026-06-01T00:00:00Z'),
          national: { listed: false, syncedAt: new Date('2026-05-20T00:00:00Z') },
        },
      }),
      policy,
    );
    expect(decision.evidence.suppressionLists).toEqual([
      { list: 'litigator', downloadedAt: '2026-06-01T00:00:00.000Z' },
      { list: 'national', downloadedAt: '2026-05-20T00:00:00.000Z' },
      { list: 'state:FL', downloadedAt: '2026-06-01T00:00:00.000Z' },
    ]);
  });
  it('a list never loaded shows a null date (and denies as stale)', () => {
    const decision = evaluate(
      facts({ suppression: { ...cleanSuppression(), national: { listed: false, syncedAt: null } } }),
      policy,
    );
    expect(decision.evidence.suppressionLists).toContainEqual({ list: 'national', downloadedAt: null });
    expect(decision.reasons).toContain('DNC_DATA_STALE');
  });
});

describe('call-permission decision table', () => {
  it('has at least 60 rows', () => expect(rows.length).toBeGreaterThanOrEqual(60));
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const decision = evaluate(facts(row.input), policy);
    expect(decision.reasons).toEqual(row.reasons);
    expect(decision.allowed).toBe(row.reasons.length === 0);
    if (row.next !== undefined) expect(decision.nextAllowedAt?.toISOString() ?? null).toBe(row.next);
    if (row.obligations) expect(decision.obligations.map((o) => o.code)).toEqual(row.obligations);
    expect(decision.policyVersion).toBe(policy.version);
  });
});
