import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_INTERNAL_SECRET } from '../../shared/config.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../../subgraphs/consent/server.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { eventually } from '../support/eventually.js';
import { RECORD, gql, outcome, quietLog, testConfig } from './helpers.js';

// The real consent subgraph (PGlite) behind the real client: an opt-out in an outcome becomes one
// revocation in the consent ledger, recorded before the CRM is written, even when the same
// revocation is pushed twice (immediate push and the durable job).

describe('opt-out -> consent ledger (real consent subgraph)', () => {
  let sim: HubspotSim;
  let consent: RunningConsentSubgraph;
  let engagement: RunningEngagementSubgraph;

  beforeAll(async () => {
    sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    consent = await startConsentSubgraph(
      { port: 0, nodeEnv: 'test', logLevel: 'silent', internalSecret: DEV_INTERNAL_SECRET, revocationPollMs: 1_000 },
      { log: quietLog },
    );
    engagement = await startEngagementSubgraph(
      { ...testConfig({ hubspotUrl: sim.url }), consentUrl: consent.url },
      { log: quietLog },
    );
  });
  afterAll(async () => {
    await engagement?.close();
    await consent?.close();
    await sim?.close();
  });

  it('records the revocation in the ledger once, before the CRM write', async () => {
    const input = outcome('hubspot:104', {
      disposition: 'OPTED_OUT',
      phone: '808 555 0104',
      summary: 'do not call me again',
    });
    const receipt = (await gql<{ recordCallOutcome: { id: string } }>(engagement.url, RECORD, { input })).data!
      .recordCallOutcome;
    const ledger = await eventually(async () => {
      const { rows } = await consent.db.query<{
        e164: string;
        revocation_channel: string;
        source: string;
        recorded_at: Date;
      }>(
        `SELECT e164, revocation_channel, source, recorded_at FROM consent_ledger WHERE kind = 'REVOCATION' AND e164 = '+18085550104'`,
      );
      return rows.length > 0 ? rows : null;
    });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ revocation_channel: 'VOICE', source: 'engagement' });

    const wb = await eventually(async () => {
      const s = await engagement.runtime.store.getWriteBack(receipt.id);
      return s?.status === 'WRITTEN' ? s : null;
    });
    expect(new Date(ledger[0]!.recorded_at).getTime()).toBeLessThanOrEqual(Date.parse(wb.writtenAt!));
    expect(sim.portal.store.get('contacts', '104')!.props.dialplane_do_not_call).toBe('true');

    // A second push of the same revocation (the job after the immediate push) appends nothing.
    await engagement.runtime.db.query(
      `UPDATE engagement.consent_revocation SET status = 'PENDING' WHERE outcome_id = $1`,
      [receipt.id],
    );
    expect(await engagement.runtime.revocations.push(receipt.id)).toBe('DONE');
    const again = await consent.db.query(
      `SELECT 1 FROM consent_ledger WHERE kind = 'REVOCATION' AND e164 = '+18085550104'`,
    );
    expect(again.rows).toHaveLength(1);
  });
});
