import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_INTERNAL_SECRET } from '../../shared/config.js';
import { migrate, openDatabase, type Database } from '../../shared/db.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { CONSENT_MIGRATIONS } from '../../subgraphs/consent/migrations/index.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../../subgraphs/consent/server.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { eventually } from '../support/eventually.js';
import { RECORD, gql, outcome, quietLog, testConfig } from './helpers.js';

// `npm start` embedded footprint (issue 17): consent and engagement on ONE PGlite (separate
// schemas), the write-back worker in-process. Both keep working side by side, and closing
// engagement leaves the database (consent's) open: its owner closes it.

describe('consent and engagement sharing one embedded PGlite', () => {
  let db: Database;
  let sim: HubspotSim;
  let consent: RunningConsentSubgraph;
  let engagement: RunningEngagementSubgraph;

  beforeAll(async () => {
    db = await openDatabase({});
    await migrate(db, 'consent', CONSENT_MIGRATIONS);
    sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    consent = await startConsentSubgraph(
      { port: 0, nodeEnv: 'test', logLevel: 'silent', internalSecret: DEV_INTERNAL_SECRET, revocationPollMs: 1_000 },
      { log: quietLog, db },
    );
    engagement = await startEngagementSubgraph(
      { ...testConfig({ hubspotUrl: sim.url }), consentUrl: consent.url },
      { log: quietLog, db },
    );
  });
  afterAll(async () => {
    await engagement?.close();
    await consent?.close();
    await sim?.close();
    await db?.close();
  });

  it('records an opt-out: revocation in the consent ledger and write-back written, in the one database', async () => {
    expect(engagement.runtime.db.pglite).toBe(db.pglite); // the same PGlite, behind the overlay write reporter
    expect(consent.db.pglite).toBe(db.pglite); // the same PGlite, behind the facts snapshot's write watcher
    const input = outcome('hubspot:104', {
      disposition: 'OPTED_OUT',
      phone: '808 555 0104',
      summary: 'do not call me again',
    });
    const receipt = (await gql<{ recordCallOutcome: { id: string } }>(engagement.url, RECORD, { input })).data!
      .recordCallOutcome;
    const ledger = await eventually(async () => {
      const { rows } = await db.query(
        `SELECT 1 FROM consent_ledger WHERE kind = 'REVOCATION' AND e164 = '+18085550104'`,
      );
      return rows.length > 0 ? rows : null;
    });
    expect(ledger).toHaveLength(1);
    const wb = await eventually(async () => {
      const s = await engagement.runtime.store.getWriteBack(receipt.id);
      return s?.status === 'WRITTEN' ? s : null;
    });
    expect(wb.status).toBe('WRITTEN');
    const { rows } = await db.query<{ component: string }>(
      `SELECT DISTINCT component FROM dialplane_migrations ORDER BY component`,
    );
    expect(rows.map((r) => r.component)).toEqual(expect.arrayContaining(['consent', 'engagement']));
  });

  it('closing engagement does not close the shared database', async () => {
    await engagement.close();
    const { rows } = await db.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]!.one).toBe(1);
    const decided = await consent.service.decide(
      { phone: '+14155550100', purpose: 'MARKETING', seller: 'demo-seller' },
      { sub: 't', roles: ['agent'] },
    );
    expect(decided.decision.allowed).toBe(false);
    expect(decided.decisionId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
