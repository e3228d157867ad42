import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { createMetrics } from '../../shared/metrics.js';
import type { Database } from '../../shared/db.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../../subgraphs/consent/server.js';
import { createSimulatedChecker } from '../../subgraphs/consent/reassigned/simulated-checker.js';
import { importRegistry, markSynced } from '../../subgraphs/consent/store/dnc-registry.js';
import { openConsentDatabase } from '../../subgraphs/consent/store/open-consent-db.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';
import type { ConsentConfig } from '../../subgraphs/consent/config.js';
import {
  AGENT,
  COMPLIANCE,
  gql,
  PERMISSION_FIELDS,
  SECRET,
  SERVICE,
  WRITTEN_CONSENT,
  wsClient,
} from './support/consent-client.js';
import { eventually } from '../support/eventually.js';

const NOW = new Date('2026-06-10T16:00:00Z'); // 12:00 in New York and Miami
const config = (over: Partial<ConsentConfig> = {}): ConsentConfig => ({
  port: 0,
  nodeEnv: 'test',
  logLevel: 'silent',
  internalSecret: SECRET,
  revocationPollMs: 200,
  ...over,
});

const CALL = `query($phone: String!, $purpose: CallPurpose!, $seller: String, $at: DateTime) {
  callPermission(phone: $phone, purpose: $purpose, seller: $seller, at: $at) { ${PERMISSION_FIELDS} } }`;
const AUTHORIZE = `mutation($input: AuthorizeCallInput!) { authorizeCall(input: $input) { ${PERMISSION_FIELDS} } }`;
const RECORD =
  'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { eventId cursor phone created } }';
const REVOKE = 'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { eventId cursor created } }';
const DNC =
  'mutation($input: AddInternalDncInput!) { addInternalDnc(input: $input) { id scope revocation { cursor } } }';

/** The whole API suite on embedded PGlite and on the real PostgreSQL server (one database each). */
function apiSuite(kind: 'pglite' | 'postgres'): void {
  (kind === 'pglite' ? describe : describeWithPostgres)(`consent API on ${kind}`, () => {
    let shared: Database;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      if (kind === 'pglite') shared = await openConsentDatabase({});
      else {
        const test = await createTestDatabase('consent_api');
        drop = test.drop;
        shared = await openConsentDatabase({ url: test.url });
      }
    });
    afterAll(async () => {
      await shared?.close();
      await drop?.();
    });

    describe('consent subgraph API', () => {
      let consent: RunningConsentSubgraph;
      let bus: EventBus;
      const checker = createSimulatedChecker({
        now: () => NOW,
        disconnected: new Map([['+12125550177', new Date('2026-03-01T00:00:00Z')]]),
      });

      beforeAll(async () => {
        bus = await createEventBus();
        consent = await startConsentSubgraph(config(), {
          log: silentLogger,
          metrics: createMetrics('consent-test', { collectDefault: false }),
          bus,
          checker,
          db: shared,
          now: () => NOW,
        });
        // Registry data downloaded 9 days ago for the area codes used below.
        for (const ac of ['212', '305', '404'])
          await markSynced(consent.db, 'national', ac, new Date('2026-06-01T00:00:00Z'));
        for (const list of [
          'state:FL',
          'state:OK',
          'state:LA',
          'state:MA',
          'state:CO',
          'state:IN',
          'state:MO',
          'state:PA',
          'state:TN',
          'state:TX',
          'state:WY',
        ]) {
          await markSynced(consent.db, list, '*', new Date('2026-06-01T00:00:00Z'));
        }
      });
      afterAll(async () => {
        await consent?.close();
        await bus?.close();
      });

      it('answers 401 without the gateway identity', async () => {
        const r = await gql(consent.url, CALL, { phone: '+12125550100', purpose: 'MARKETING' }, null);
        expect(r.status).toBe(401);
      });

      it('denies without consent, allows after recordConsent, denies after revokeConsent', async () => {
        const phone = '+12125550101';
        const before = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(before.errors).toBeUndefined();
        expect(before.data!.callPermission).toMatchObject({
          allowed: false,
          reasons: ['NO_CONSENT'],
          consent: { status: 'NONE' },
          phone,
        });

        const rec = await gql(consent.url, RECORD, { input: WRITTEN_CONSENT('(212) 555-0101') });
        expect(rec.errors).toBeUndefined();
        expect(rec.data!.recordConsent).toMatchObject({ phone, created: true });

        const allowed = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(allowed.data!.callPermission).toMatchObject({
          allowed: true,
          reasons: [],
          consent: { status: 'GRANTED' },
        });
        expect(allowed.data!.callPermission.obligations.map((o: { code: string }) => o.code)).toEqual([
          'ID_DISCLOSURE',
          'OPT_OUT_OFFER',
          'AI_DISCLOSURE_REQUIRED',
        ]);

        const revoke = await gql(
          consent.url,
          REVOKE,
          {
            input: {
              phone,
              channel: 'TRANSCRIPT',
              source: 'engagement',
              occurredAt: '2026-06-10T15:59:00Z',
              idempotencyKey: 'engagement:o-1',
            },
          },
          SERVICE,
        );
        expect(revoke.errors).toBeUndefined();
        const again = await gql(
          consent.url,
          REVOKE,
          {
            input: {
              phone,
              channel: 'TRANSCRIPT',
              source: 'engagement',
              occurredAt: '2026-06-10T15:59:00Z',
              idempotencyKey: 'engagement:o-1',
            },
          },
          SERVICE,
        );
        expect(again.data!.revokeConsent).toMatchObject({ cursor: revoke.data!.revokeConsent.cursor, created: false });

        const after = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(after.data!.callPermission).toMatchObject({
          allowed: false,
          reasons: ['CONSENT_REVOKED'],
          consent: { status: 'REVOKED' },
        });
      });

      it('validation: BAD_USER_INPUT names the field and stores nothing', async () => {
        const phone = '+12125550102';
        const cases: [Record<string, unknown>, string][] = [
          [WRITTEN_CONSENT('not a phone'), 'input.phone'],
          [
            WRITTEN_CONSENT(phone, { evidence: { source: 'web-form', signatureMethod: 'esign' } }),
            'input.evidence.ipAddress',
          ],
          [
            WRITTEN_CONSENT(phone, { disclosure: { version: 'v3', notConditionOfPurchase: true } }),
            'input.disclosure.hash',
          ],
          [WRITTEN_CONSENT(phone, { occurredAt: '2026-06-11T16:00:00Z' }), 'input.occurredAt'],
          [WRITTEN_CONSENT(phone, { purposes: [] }), 'input.purposes'],
        ];
        for (const [input, field] of cases) {
          const r = await gql(consent.url, RECORD, { input });
          expect(r.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
        }
        const bad = await gql(consent.url, REVOKE, {
          input: { phone, channel: 'VOICE', source: 'ivr', occurredAt: '2027-01-01T00:00:00Z' },
        });
        expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.occurredAt' });
        const dnc = await gql(consent.url, DNC, { input: { phone: '12', source: 'agent' } });
        expect(dnc.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.phone' });
        const rows = await consent.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM consent_ledger WHERE e164 = $1',
          [phone],
        );
        expect(rows.rows[0]!.n).toBe(0);
      });

      it('authorizeCall reserves attempts and enforces the Florida 3-in-24 h cap', async () => {
        const phone = '+13055550103';
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        const results = [];
        for (let i = 0; i < 4; i++)
          results.push(
            (await gql(consent.url, AUTHORIZE, { input: { phone, purpose: 'MARKETING' } })).data!.authorizeCall,
          );
        expect(results.slice(0, 3).every((r) => r.allowed && r.reservation?.attemptId)).toBe(true);
        expect(results[3]).toMatchObject({ allowed: false, reasons: ['FREQUENCY_CAP_EXCEEDED'], reservation: null });
        expect(results[3].nextAllowedAt).toBe('2026-06-11T16:00:00.000Z');
        // Another subject has its own count.
        const other = await gql(consent.url, AUTHORIZE, { input: { phone, purpose: 'MARKETING', subject: 'renewal' } });
        expect(other.data!.authorizeCall.allowed).toBe(true);
      });

      it('the reassigned-number checker voids consent given before a disconnect', async () => {
        const phone = '+12125550177';
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        const r = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(r.data!.callPermission.reasons).toEqual(['NUMBER_REASSIGNED']);
      });

      it('a decision reports the zones, the registry dates and the RND answer it used', async () => {
        const phone = '+18505550131'; // split-zone 850: Central and Eastern
        await markSynced(consent.db, 'national', '850', new Date('2026-06-02T00:00:00Z'));
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        const r = await gql(
          consent.url,
          `query($phone: String!) { callPermission(phone: $phone, purpose: MARKETING) { allowed reasons zones states zoneData suppressionLists { list downloadedAt } reassignedCheck { result consentDate version } } }`,
          { phone },
        );
        expect(r.errors).toBeUndefined();
        expect(r.data!.callPermission).toMatchObject({
          allowed: true,
          zones: ['America/Chicago', 'America/New_York'],
          states: ['FL'],
          zoneData: expect.stringMatching(/^nanp-split-zones-/),
          reassignedCheck: { result: 'NO', consentDate: '2026-01-10T15:00:00.000Z', version: 'rnd-sim-1' },
        });
        expect(r.data!.callPermission.suppressionLists).toEqual(
          expect.arrayContaining([
            { list: 'national', downloadedAt: '2026-06-02T00:00:00.000Z' },
            { list: 'state:FL', downloadedAt: '2026-06-01T00:00:00.000Z' },
          ]),
        );
      });

      it('the known-litigator list denies with its own reason', async () => {
        const phone = '+12125550132';
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        await importRegistry(
          consent.db,
          { list: 'litigator', mode: 'add', downloadedAt: new Date('2026-06-05T00:00:00Z') },
          async (s) => s.add([phone]),
        );
        const r = await gql(
          consent.url,
          `query($phone: String!) { callPermission(phone: $phone, purpose: MARKETING) { allowed reasons suppressionLists { list downloadedAt } } }`,
          { phone },
        );
        expect(r.data!.callPermission).toMatchObject({ allowed: false, reasons: ['KNOWN_LITIGATOR'] });
        expect(r.data!.callPermission.suppressionLists).toContainEqual({
          list: 'litigator',
          downloadedAt: '2026-06-05T00:00:00.000Z',
        });
      });

      it('RND answers: recorded in bulk by an admin, kept per (number, consent date), asked on demand; agents may not feed them', async () => {
        const phone = '+12125550133';
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        const RESULTS =
          'mutation($r: [ReassignedResultInput!]!) { recordReassignedResults(results: $r) { phone result consentDate version } }';
        const denied = await gql(consent.url, RESULTS, {
          r: [{ phone, consentDate: '2026-01-10T15:00:00Z', result: 'YES', version: 'rnd-file-2026-06' }],
        });
        expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        const bad = await gql(
          consent.url,
          RESULTS,
          { r: [{ phone: 'nope', consentDate: '2026-01-10T15:00:00Z', result: 'YES', version: 'x' }] },
          COMPLIANCE,
        );
        expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'results.0.phone' });
        const ok = await gql(
          consent.url,
          RESULTS,
          {
            r: [
              {
                phone,
                consentDate: '2026-01-10T15:00:00Z',
                result: 'YES',
                version: 'rnd-file-2026-06',
                checkedAt: '2026-06-09T00:00:00Z',
              },
            ],
          },
          COMPLIANCE,
        );
        expect(ok.data!.recordReassignedResults).toEqual([
          { phone, result: 'YES', consentDate: '2026-01-10T15:00:00.000Z', version: 'rnd-file-2026-06' },
        ]);
        const r = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(r.data!.callPermission.reasons).toEqual(['NUMBER_REASSIGNED']);
        // An answer for another consent date does not hide the kept one.
        await gql(
          consent.url,
          RESULTS,
          {
            r: [
              {
                phone,
                consentDate: '2025-05-01T00:00:00Z',
                result: 'NO',
                version: 'rnd-file-2026-06',
                checkedAt: '2026-06-09T12:00:00Z',
              },
            ],
          },
          COMPLIANCE,
        );
        expect((await gql(consent.url, CALL, { phone, purpose: 'MARKETING' })).data!.callPermission.reasons).toEqual([
          'NUMBER_REASSIGNED',
        ]);
        const asked = await gql(
          consent.url,
          'mutation($p: String!, $d: DateTime!) { checkReassignedNumber(phone: $p, consentDate: $d) { result version } }',
          { p: '+12125550177', d: '2026-01-10T15:00:00Z' },
          COMPLIANCE,
        );
        expect(asked.data!.checkReassignedNumber).toEqual({ result: 'YES', version: 'rnd-sim-1' });
      });

      it('a failing reassigned-number database fails closed', async () => {
        const phone = '+12125550109';
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        checker.options.failing = true;
        try {
          const r = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
          expect(r.errors).toBeUndefined();
          expect(r.data!.callPermission).toMatchObject({ allowed: false, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] });
        } finally {
          checker.options.failing = false;
        }
        const ok = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(ok.data!.callPermission.allowed).toBe(true);
      });

      it('addInternalDnc suppresses and revokes; a national DNC hit is reported', async () => {
        const phone = '+12125550104';
        await gql(consent.url, RECORD, {
          input: WRITTEN_CONSENT(phone, { consentType: 'ORAL', purposes: ['INFORMATIONAL'] }),
        });
        await importRegistry(
          consent.db,
          { list: 'national', mode: 'add', downloadedAt: new Date('2026-06-01T00:00:00Z') },
          async (s) => s.add([phone]),
        );
        const marketing = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(marketing.data!.callPermission.reasons).toEqual(['CONSENT_INSUFFICIENT', 'NATIONAL_DNC']);
        const dnc = await gql(consent.url, DNC, { input: { phone, source: 'agent-desk', idempotencyKey: 'req-1' } });
        // A seller-bound agent's request is for its own seller (docs/access.md).
        expect(dnc.data!.addInternalDnc).toMatchObject({ scope: 'SELLER', revocation: { cursor: expect.any(String) } });
        const info = await gql(consent.url, CALL, { phone, purpose: 'INFORMATIONAL' });
        expect(info.data!.callPermission.reasons).toEqual(['CONSENT_REVOKED', 'INTERNAL_DNC']);
      });

      it('recordRelationship: a recent purchase lifts the national DNC hit, never the missing consent', async () => {
        const phone = '+12125550110';
        await importRegistry(
          consent.db,
          { list: 'national', mode: 'add', downloadedAt: new Date('2026-06-01T00:00:00Z') },
          async (s) => s.add([phone]),
        );
        const before = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(before.data!.callPermission.reasons).toEqual(['NO_CONSENT', 'NATIONAL_DNC']);
        const rel = await gql(
          consent.url,
          'mutation($i: RecordRelationshipInput!) { recordRelationship(input: $i) { kind occurredAt } }',
          { i: { phone, seller: 'acme', kind: 'PURCHASE', occurredAt: '2026-01-15T00:00:00Z', source: 'billing' } },
        );
        expect(rel.errors).toBeUndefined();
        const after = await gql(consent.url, CALL, { phone, purpose: 'MARKETING' });
        expect(after.data!.callPermission.reasons).toEqual(['NO_CONSENT']);
      });

      it('Contact.callPermission decides from the CRM facts given through @requires', async () => {
        const phone = '+13055550105';
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { callPermission(purpose: MARKETING, at: "2026-06-11T00:30:00Z") { allowed reasons nextAllowedAt phone } } } }`;
        const rep = (over: Record<string, unknown>) => ({
          __typename: 'Contact',
          id: 'hubspot:1',
          primaryPhone: phone,
          phones: [{ e164: phone, valid: true }],
          timeZone: 'America/New_York',
          location: { country: 'US', state: 'GA' },
          openDeal: null,
          suppression: { doNotCall: false },
          ...over,
        });
        const r = await gql(consent.url, q, {
          r: [
            rep({}),
            rep({ openDeal: { closed: true } }),
            rep({ primaryPhone: null, phones: null }),
            rep({ suppression: { doNotCall: true } }),
            rep({ suppression: { doNotCall: null } }),
          ],
        });
        expect(r.errors).toBeUndefined();
        const [plain, closed, noCrm, crmDnc, driftedDnc] = r.data!._entities.map(
          (e: { callPermission: unknown }) => e.callPermission,
        );
        expect(crmDnc.reasons).toEqual(['OUTSIDE_STATE_HOURS', 'CRM_DO_NOT_CALL']);
        expect(driftedDnc).toMatchObject({
          allowed: false,
          reasons: expect.arrayContaining(['COMPLIANCE_DATA_UNAVAILABLE']),
        });
        expect(plain).toMatchObject({
          allowed: false,
          reasons: ['OUTSIDE_STATE_HOURS'],
          nextAllowedAt: '2026-06-11T12:00:00.000Z',
          phone,
        });
        expect(closed.reasons).toEqual(['OUTSIDE_STATE_HOURS', 'DEAL_CLOSED']);
        expect(noCrm).toMatchObject({ allowed: false, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] });
      });

      it('auditTrail is for the compliance role only and shows decisions and changes', async () => {
        const phone = '+12125550101';
        const denied = await gql(
          consent.url,
          'query($p: String!) { auditTrail(phone: $p) { action } }',
          { p: phone },
          AGENT,
        );
        expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        // Decision audit rows are written in batches (every 20 ms): wait until this phone's is there.
        const trail = await eventually(
          async () => {
            const answer = await gql(
              consent.url,
              'query($p: String!) { auditTrail(phone: $p) { action actor role seller purpose decisionId allowed reasons policyVersion } }',
              { p: phone },
              COMPLIANCE,
            );
            return answer.data?.auditTrail.some((a: { action: string }) => a.action === 'DECISION') ? answer : null;
          },
          5_000,
          10,
        );
        const actions = trail.data!.auditTrail.map((a: { action: string }) => a.action);
        expect(actions).toEqual(expect.arrayContaining(['DECISION', 'CONSENT_RECORDED', 'CONSENT_REVOKED']));
        const decision = trail.data!.auditTrail.find(
          (a: { action: string; allowed: boolean }) => a.action === 'DECISION' && a.allowed === false,
        );
        expect(decision).toMatchObject({
          actor: 'agent-7',
          role: 'agent',
          seller: 'acme',
          purpose: 'MARKETING',
          decisionId: expect.any(String),
          policyVersion: expect.any(String),
        });
      });

      it('a CRM do-not-call flag on the event bus becomes an internal DNC entry and a revocation', async () => {
        const phone = '+14045550106';
        await gql(consent.url, RECORD, { input: WRITTEN_CONSENT(phone) });
        await bus.publish('contact.changed', {
          eventId: 'sf-evt-1',
          contactId: 'salesforce:003A',
          source: 'salesforce',
          changedFields: ['suppression.doNotCall'],
          occurredAt: '2026-06-10T15:00:00Z',
          phones: ['(404) 555-0106'],
          suppression: { doNotCall: true },
        });
        const reasons = await eventually(
          async () => {
            const found: string[] = (await gql(consent.url, CALL, { phone, purpose: 'MARKETING' })).data!.callPermission
              .reasons;
            return found.length > 0 ? found : null;
          },
          5_000,
          20,
        );
        expect(reasons).toEqual(['CONSENT_REVOKED', 'INTERNAL_DNC']);
        const revs = await gql(
          consent.url,
          'query($p: [String!]) { consentRevocations(phones: $p) { channel scope source } }',
          { p: [phone] },
        );
        expect(revs.data!.consentRevocations).toEqual([
          { channel: 'CRM_FLAG', scope: 'ALL_SELLERS', source: 'crm:salesforce' },
        ]);
      });

      it('consentRevoked streams revocations and replays from a cursor after a reconnect', async () => {
        const phone = '+12125550108';
        const SUB =
          'subscription($p: [String!], $after: String) { consentRevoked(phones: $p, after: $after) { phone channel cursor } }';
        const client = wsClient(consent.url);
        const received: { phone: string; cursor: string }[] = [];
        const subscribersBefore = consent.hub.subscribers;
        const first = new Promise<void>((resolve, reject) => {
          const dispose = client.subscribe<{ consentRevoked: { phone: string; cursor: string } }>(
            { query: SUB, variables: { p: [phone] } },
            {
              next: (m) => {
                received.push(m.data!.consentRevoked);
                dispose();
                resolve();
              },
              error: reject,
              complete: () => undefined,
            },
          );
        });
        await eventually(() => consent.hub.subscribers > subscribersBefore, 5_000, 5); // subscription registered
        await gql(consent.url, REVOKE, {
          input: { phone, channel: 'KEYPRESS', source: 'ivr', occurredAt: '2026-06-10T15:00:00Z' },
        });
        await first;
        expect(received[0]).toMatchObject({ phone });
        // While disconnected: two more revocations.
        await gql(consent.url, REVOKE, {
          input: { phone, channel: 'SMS_KEYWORD', source: 'sms', occurredAt: '2026-06-10T15:01:00Z' },
        });
        await gql(consent.url, REVOKE, {
          input: { phone, channel: 'EMAIL', source: 'mail', occurredAt: '2026-06-10T15:02:00Z' },
        });
        const replayed: { channel: string }[] = [];
        await new Promise<void>((resolve, reject) => {
          const dispose = client.subscribe<{ consentRevoked: { channel: string } }>(
            { query: SUB, variables: { p: [phone], after: received[0]!.cursor } },
            {
              next: (m) => {
                replayed.push(m.data!.consentRevoked);
                if (replayed.length === 2) {
                  dispose();
                  resolve();
                }
              },
              error: reject,
              complete: () => undefined,
            },
          );
        });
        expect(replayed.map((r) => r.channel)).toEqual(['SMS_KEYWORD', 'EMAIL']);
        await client.dispose();
      });
    });

    describe('consent subgraph fails closed', () => {
      let consent: RunningConsentSubgraph;
      beforeAll(async () => {
        // The same database, but decision reads fail (as a lost connection would): everything else works.
        const broken: Database = Object.create(shared, {
          pool: { value: undefined },
          query: {
            value: (sql: string, params?: unknown[]) =>
              sql.includes('FROM consent_ledger l') || sql.includes('EXECUTE dialplane_consent_facts')
                ? Promise.reject(new Error('connection lost'))
                : shared.query(sql, params),
          },
        });
        consent = await startConsentSubgraph(config(), {
          log: silentLogger,
          metrics: createMetrics('consent-broken', { collectDefault: false }),
          db: broken,
          now: () => NOW,
        });
      });
      afterAll(async () => consent?.close());

      it('answers allowed:false with COMPLIANCE_DATA_UNAVAILABLE, never an error', async () => {
        const r = await gql(consent.url, CALL, { phone: '+12125550100', purpose: 'MARKETING' });
        expect(r.errors).toBeUndefined();
        expect(r.data!.callPermission).toMatchObject({ allowed: false, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] });
        const a = await gql(consent.url, AUTHORIZE, { input: { phone: '+12125550100', purpose: 'EMERGENCY' } });
        expect(a.errors).toBeUndefined();
        expect(a.data!.authorizeCall).toMatchObject({
          allowed: false,
          reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
          reservation: null,
        });
      });
    });
  });
}

apiSuite('pglite');
apiSuite('postgres');
