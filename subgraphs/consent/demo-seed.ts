import type { Database } from '../../shared/db.js';
import type { Identity } from '../../shared/identity.js';
import type { ConsentService } from './consent-service.js';
import { importRegistry, markSynced, stateDncStates } from './store/dnc-registry.js';
import { insertReassignedCheck } from './store/facts.js';

/**
 * The DEMO dataset `npm start` loads into its in-memory consent database, so a new user sees both
 * answers: written consent with full evidence for some demo people, a registry snapshot dated
 * today for the demo area codes (and every state list), one reassigned number and one known
 * litigator. Every record says `demo` in its source; nothing here runs outside `npm start`.
 */
export const DEMO_SELLER = 'demo-seller';
export const DEMO_NUMBERS = {
  /** Salesforce + HubSpot demo person 0 (Pacific): consent, not listed anywhere -> ALLOWED in calling hours. */
  consented: '+14155550100',
  /** HubSpot demo (El Paso, split zone 915): consent given before the number was disconnected -> NUMBER_REASSIGNED. */
  reassigned: '+19155550180',
  /** HubSpot demo (San Francisco): consent, but on the known-litigator list -> KNOWN_LITIGATOR. */
  litigator: '+14155550190',
  /** Salesforce demo (850, split zone): consent; on the national registry too, consent lifts it. */
  splitZone: '+18505550140',
  /** HubSpot demo (New York): on the national registry, no consent -> NO_CONSENT + NATIONAL_DNC. */
  registered: '+12125550160',
} as const;
/** The reassigned number's disconnect date, for the RND simulator. */
export const DEMO_DISCONNECTED = { [DEMO_NUMBERS.reassigned.slice(2)]: '2026-02-01' };
const DEMO_AREA_CODES = ['212', '415', '602', '808', '850', '907', '915'];
const CONSENT_AT = new Date('2026-01-10T15:00:00Z');

export async function seedDemoData(db: Database, service: ConsentService, now: Date = new Date()): Promise<void> {
  const identity: Identity = { sub: 'demo-seed', roles: ['admin'], sellers: ['*'] };
  for (const phone of [
    DEMO_NUMBERS.consented,
    DEMO_NUMBERS.reassigned,
    DEMO_NUMBERS.litigator,
    DEMO_NUMBERS.splitZone,
  ]) {
    await service.recordConsent(
      {
        eventId: `demo-consent:${phone}`,
        e164: phone,
        consentType: 'WRITTEN',
        purposes: ['MARKETING', 'INFORMATIONAL'],
        sellers: [DEMO_SELLER],
        channels: ['VOICE', 'SMS'],
        coversArtificialVoice: true,
        disclosure: { version: 'demo-v1', hash: 'sha256:demo', notConditionOfPurchase: true },
        evidence: {
          source: 'demo-web-form',
          signatureMethod: 'checkbox-esign',
          ipAddress: '203.0.113.10',
          userAgent: 'demo',
          formRef: 'demo-form-1',
        },
        source: 'demo-web-form',
        occurredAt: CONSENT_AT,
      },
      identity,
    );
  }
  // A registry snapshot downloaded today: the demo area codes, two registered numbers.
  await importRegistry(
    db,
    { list: 'national', mode: 'full', downloadedAt: now, areaCodes: DEMO_AREA_CODES, force: true },
    (s) => s.add([DEMO_NUMBERS.registered, DEMO_NUMBERS.splitZone]),
  );
  for (const state of stateDncStates()) await markSynced(db, `state:${state}`, '*', now);
  await importRegistry(db, { list: 'litigator', mode: 'full', downloadedAt: now, force: true }, (s) =>
    s.add([DEMO_NUMBERS.litigator]),
  );
  // An answer kept from a bulk RND file for the reassigned number (the RND simulator agrees).
  await insertReassignedCheck(db, DEMO_NUMBERS.reassigned, {
    result: 'YES',
    consentDate: CONSENT_AT,
    checkedAt: now,
    version: 'demo-rnd-file',
  });
}
