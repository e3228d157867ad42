import { currentPolicy, type CallPurpose } from '../../../subgraphs/consent/policy/index.js';
import { calleeGeo, type CrmLocation } from '../../../subgraphs/consent/mapping/callee-geo.js';
import { normalizePhone } from '../../../shared/phone.js';
import type {
  AttemptFact,
  DecisionFacts,
  GrantEvent,
  LedgerEvent,
  RevocationEvent,
  SuppressionFacts,
} from '../../../subgraphs/consent/decision/types.js';

export const policy = currentPolicy;
export const SELLER = 'acme';
export const GRANT_AT = new Date('2026-01-10T15:00:00Z');

let seq = 0;
export function grant(over: Partial<GrantEvent> = {}): GrantEvent {
  return {
    kind: 'GRANT',
    seq: ++seq,
    occurredAt: GRANT_AT,
    consentType: 'WRITTEN',
    purposes: ['MARKETING', 'INFORMATIONAL'],
    sellers: [SELLER],
    channels: ['VOICE', 'SMS'],
    coversArtificialVoice: true,
    disclosure: { version: 'v3', hash: 'sha256:ab12', notConditionOfPurchase: true },
    evidence: {
      source: 'web-form',
      signatureMethod: 'checkbox-esign',
      ipAddress: '203.0.113.9',
      userAgent: 'Mozilla/5.0',
    },
    ...over,
  };
}

export function revoke(over: Partial<RevocationEvent> = {}): RevocationEvent {
  return {
    kind: 'REVOCATION',
    seq: ++seq,
    occurredAt: new Date('2026-03-01T15:00:00Z'),
    channel: 'VOICE',
    scope: 'SELLER',
    seller: SELLER,
    ...over,
  };
}

export function attempts(times: string[], over: Partial<AttemptFact> = {}): AttemptFact[] {
  return times.map((t) => ({ at: new Date(t), seller: SELLER, purpose: 'MARKETING', subject: 'MARKETING', ...over }));
}

export const cleanSuppression = (syncedAt = '2026-06-01T00:00:00Z'): SuppressionFacts => ({
  internalDnc: [],
  national: { listed: false, syncedAt: new Date(syncedAt) },
  state: ['FL', 'OK', 'LA', 'MA', 'CO', 'IN', 'MO', 'PA', 'TN', 'TX', 'WY'].map((s) => ({
    state: s,
    listed: false,
    syncedAt: new Date(syncedAt),
  })),
  litigator: { listed: false, syncedAt: new Date(syncedAt) },
  relationships: [],
});

export interface FactsInput {
  phone?: string;
  at?: string;
  purpose?: CallPurpose;
  seller?: string | null;
  subject?: string;
  location?: CrmLocation | null;
  statedZone?: string | null;
  ledger?: LedgerEvent[] | null;
  suppression?: SuppressionFacts | null;
  reassigned?: DecisionFacts['reassigned'] | 'auto';
  attempts?: AttemptFact[] | null;
  deal?: DecisionFacts['deal'];
  crmDoNotCall?: DecisionFacts['crmDoNotCall'];
  phiFields?: string[];
  unavailable?: string[];
  geo?: DecisionFacts['geo'];
}

/** Facts for a call that is allowed by default: NY number, noon local, complete written consent. */
export function facts(input: FactsInput = {}): DecisionFacts {
  const phone = normalizePhone(input.phone ?? '+12125550100');
  const ledger = input.ledger === undefined ? [grant()] : input.ledger;
  const relied = ledger?.filter((e): e is GrantEvent => e.kind === 'GRANT') ?? [];
  const consentDate = relied.length > 0 ? relied[relied.length - 1]!.occurredAt : GRANT_AT;
  const at = new Date(input.at ?? '2026-06-10T16:00:00Z');
  return {
    at,
    evaluatedAt: at,
    purpose: input.purpose ?? 'MARKETING',
    seller: input.seller === undefined ? SELLER : input.seller,
    subject: input.subject ?? input.purpose ?? 'MARKETING',
    phone: { e164: phone?.e164 ?? null, country: phone?.country ?? null, valid: phone?.valid ?? false },
    geo: input.geo !== undefined ? input.geo : phone ? calleeGeo(phone.e164, input.location, input.statedZone) : null,
    ledger,
    suppression: input.suppression === undefined ? cleanSuppression() : input.suppression,
    reassigned:
      input.reassigned === undefined || input.reassigned === 'auto'
        ? { result: 'NO', consentDate, checkedAt: new Date(at.getTime() - 86_400_000), version: 'rnd-sim-1' }
        : input.reassigned,
    attempts: input.attempts === undefined ? [] : input.attempts,
    deal: input.deal,
    crmDoNotCall: input.crmDoNotCall,
    phiFields: input.phiFields,
    unavailable: input.unavailable,
  };
}
