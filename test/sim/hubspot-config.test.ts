import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.js';
import { loadHubspotSimConfig } from '../../sim/hubspot/config.js';

describe('HubSpot simulator config', () => {
  it('defaults to port 4102, 10,000 generated contacts, ~120 ms latency and the local subgraph webhook', () => {
    const { options } = loadHubspotSimConfig({});
    expect(options).toMatchObject({
      port: 4102,
      host: '127.0.0.1',
      seed: 1,
      contacts: 10_000,
      latency: { medianMs: 120, jitterMs: 40 },
      accessToken: 'dev-hubspot-token',
      clientSecret: 'dev-hubspot-client-secret',
      webhookTargets: ['http://127.0.0.1:4002/webhooks/hubspot'],
    });
  });

  it('reads every knob from the environment', () => {
    const { options } = loadHubspotSimConfig({
      SIM_HUBSPOT_PORT: '0',
      BIND_HOST: '0.0.0.0',
      SIM_SEED: 'demo',
      SIM_CONTACTS: '250',
      SIM_LATENCY_MEDIAN_MS: '0',
      SIM_LATENCY_JITTER_MS: '0',
      SIM_WEBHOOK_TARGETS: 'http://a.test/webhooks/hubspot, http://b.test/hook',
    });
    expect(options).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      seed: 'demo',
      contacts: 250,
      latency: { medianMs: 0, jitterMs: 0 },
      webhookTargets: ['http://a.test/webhooks/hubspot', 'http://b.test/hook'],
    });
  });

  it('names every bad variable', () => {
    expect(() => loadHubspotSimConfig({ SIM_CONTACTS: 'lots', SIM_WEBHOOK_TARGETS: 'not a url' })).toThrow(ConfigError);
    try {
      loadHubspotSimConfig({ SIM_CONTACTS: 'lots', SIM_WEBHOOK_TARGETS: 'not a url' });
    } catch (err) {
      expect((err as ConfigError).issues.join('\n')).toMatch(/SIM_CONTACTS[\s\S]*SIM_WEBHOOK_TARGETS|SIM_WEBHOOK_TARGETS[\s\S]*SIM_CONTACTS/);
    }
  });
});
