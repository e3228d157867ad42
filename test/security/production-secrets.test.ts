import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadConsentConfig } from '../../subgraphs/consent/config.js';
import { engagementEnv } from '../../subgraphs/engagement/config.js';
import { loadSalesforceSubgraphConfig } from '../../subgraphs/salesforce/config.js';
import { loadHubspotSubgraphConfig } from '../../subgraphs/hubspot/config.js';

/**
 * Finding 4: with NODE_ENV=production every service refuses the development secrets, through one
 * shared check in `loadConfig`. The consent subgraph and the engagement subgraph (whose call-ended
 * webhook accepted the development secret) are started as real processes and must exit before
 * they listen.
 */

const root = path.resolve(import.meta.dirname, '../..');
const production = { NODE_ENV: 'production', SUPERGRAPH_PATH: path.join(root, 'schema/supergraph.graphql') };
const strong = (name: string) => `${name.toLowerCase()}-production-value-0123456789abcdef`;
const allSecrets = Object.fromEntries(
  [
    'DIALPLANE_INTERNAL_SECRET',
    'JWT_SECRET',
    'CALL_WEBHOOK_SECRET',
    'HUBSPOT_CLIENT_SECRET',
    'SALESFORCE_WEBHOOK_SECRET',
  ].map((n) => [n, strong(n)]),
);
allSecrets.CONNECTION_ENCRYPTION_KEYS = `prod:${Buffer.alloc(32, 5).toString('base64')}`;

function refusal(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  return [];
}

describe('finding 4: production refuses development secrets in every service', () => {
  const services: Record<string, { load: (env: NodeJS.ProcessEnv) => unknown; secrets: string[] }> = {
    gateway: { load: loadGatewayConfig, secrets: ['DIALPLANE_INTERNAL_SECRET', 'JWT_SECRET'] },
    consent: { load: loadConsentConfig, secrets: ['DIALPLANE_INTERNAL_SECRET'] },
    'engagement and worker': {
      load: (env) => loadConfig(engagementEnv, env),
      secrets: ['DIALPLANE_INTERNAL_SECRET', 'CALL_WEBHOOK_SECRET'],
    },
    salesforce: {
      load: loadSalesforceSubgraphConfig,
      secrets: ['DIALPLANE_INTERNAL_SECRET', 'SALESFORCE_WEBHOOK_SECRET', 'CONNECTION_ENCRYPTION_KEYS'],
    },
    hubspot: {
      load: loadHubspotSubgraphConfig,
      secrets: ['DIALPLANE_INTERNAL_SECRET', 'HUBSPOT_CLIENT_SECRET', 'CONNECTION_ENCRYPTION_KEYS'],
    },
  };
  for (const [name, service] of Object.entries(services)) {
    it(`${name}: names every development secret it would run on, and starts with real ones`, () => {
      const issues = refusal(() => service.load({ ...production }));
      for (const secret of service.secrets) expect(issues.join('\n')).toContain(secret);
      expect(refusal(() => service.load({ ...production, ...allSecrets }))).toEqual([]);
    });
  }

  it('outside production the development defaults still work (npm start)', () => {
    expect(refusal(() => loadConsentConfig({ NODE_ENV: 'development' }))).toEqual([]);
  });

  const startProcess = (entry: string, env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, entry)], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += String(chunk)));
      // A service that starts (the defect) is stopped after a while, and reported as still running (null).
      const stop = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.on('exit', (code) => {
        clearTimeout(stop);
        resolve({ code, stderr });
      });
    });

  it('the consent and engagement processes exit on development secrets instead of listening', async () => {
    const [consent, engagement] = await Promise.all([
      startProcess('subgraphs/consent/index.ts', {
        NODE_ENV: 'production',
        CONSENT_SUBGRAPH_PORT: '0',
        LOG_LEVEL: 'silent',
      }),
      startProcess('subgraphs/engagement/index.ts', {
        NODE_ENV: 'production',
        ENGAGEMENT_SUBGRAPH_PORT: '0',
        LOG_LEVEL: 'silent',
        DIALPLANE_INTERNAL_SECRET: strong('x'),
      }),
    ]);
    expect(consent.code).toBe(1);
    expect(consent.stderr).toContain('DIALPLANE_INTERNAL_SECRET');
    expect(engagement.code).toBe(1);
    expect(engagement.stderr).toContain('CALL_WEBHOOK_SECRET');
  }, 60_000);
});
