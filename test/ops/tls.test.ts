import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { generate } from 'selfsigned';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { loadServerTls } from '../../shared/tls.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadConsentConfig } from '../../subgraphs/consent/config.js';
import { engagementEnv, toEngagementConfig } from '../../subgraphs/engagement/config.js';
import { loadHubspotSubgraphConfig } from '../../subgraphs/hubspot/config.js';
import { loadSalesforceSubgraphConfig } from '../../subgraphs/salesforce/config.js';
import { platformsEnv, toPlatformsConfig } from '../../platforms/core/config.js';
import { SimAdminClient } from '../../sim/common/admin-client.js';
import { freePortEnv } from '../support/free-ports.js';
import { spawnEntry, type SpawnedService } from '../support/processes.js';

// Optional TLS on every listener: TLS_CERT_FILE + TLS_KEY_FILE (both or neither, checked at start),
// then the gateway (HTTP and graphql-ws), every subgraph and the platforms service serve HTTPS/WSS,
// and the gateway reaches the subgraphs over https trusting NODE_EXTRA_CA_CERTS. Exercised over
// real TLS with a certificate made here, for 127.0.0.1.

const dir = mkdtempSync(path.join(os.tmpdir(), 'dialplane-tls-'));
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

async function certificate(options: { notAfterDate?: Date; notBeforeDate?: Date } = {}) {
  const pems = await generate([{ name: 'commonName', value: 'dialplane-test' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...options,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

function configError(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('TLS configuration', () => {
  let certFile: string;
  let keyFile: string;
  let otherKeyFile: string;
  let expiredCertFile: string;
  let expiredKeyFile: string;

  beforeAll(async () => {
    const good = await certificate();
    const other = await certificate();
    const expired = await certificate({
      notBeforeDate: new Date(Date.now() - 3 * 86_400_000),
      notAfterDate: new Date(Date.now() - 86_400_000),
    });
    certFile = file('config-cert.pem', good.cert);
    keyFile = file('config-key.pem', good.key);
    otherKeyFile = file('other-key.pem', other.key);
    expiredCertFile = file('expired-cert.pem', expired.cert);
    expiredKeyFile = file('expired-key.pem', expired.key);
  });

  it('is off with neither file, on with both', () => {
    expect(loadServerTls({})).toBeUndefined();
    const tls = loadServerTls({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
    expect(tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(tls?.key).toContain('PRIVATE KEY');
  });

  it('refuses to start on half a configuration, an unreadable file, a foreign key, an expired certificate or a non-certificate', () => {
    expect(configError(() => loadServerTls({ TLS_CERT_FILE: certFile }))).toMatch(
      /TLS_KEY_FILE: required with TLS_CERT_FILE/,
    );
    expect(configError(() => loadServerTls({ TLS_KEY_FILE: keyFile }))).toMatch(
      /TLS_CERT_FILE: required with TLS_KEY_FILE/,
    );
    expect(
      configError(() => loadServerTls({ TLS_CERT_FILE: path.join(dir, 'missing.pem'), TLS_KEY_FILE: keyFile })),
    ).toMatch(/TLS_CERT_FILE: cannot read .*missing\.pem \(ENOENT\)/);
    const unreadable = file('unreadable-key.pem', 'secret');
    chmodSync(unreadable, 0o000);
    if (process.getuid?.() !== 0)
      expect(configError(() => loadServerTls({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: unreadable }))).toMatch(
        /TLS_KEY_FILE: cannot read .*\(EACCES\)/,
      );
    expect(configError(() => loadServerTls({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: otherKeyFile }))).toMatch(
      /TLS_KEY_FILE: .*other-key\.pem is not the private key of/,
    );
    expect(configError(() => loadServerTls({ TLS_CERT_FILE: expiredCertFile, TLS_KEY_FILE: expiredKeyFile }))).toMatch(
      /TLS_CERT_FILE: the certificate in .* expired on/,
    );
    expect(configError(() => loadServerTls({ TLS_CERT_FILE: keyFile, TLS_KEY_FILE: keyFile }))).toMatch(
      /TLS_CERT_FILE: .* holds no PEM certificate/,
    );
  });

  it('is read by every service configuration', () => {
    const half = { TLS_CERT_FILE: certFile } as NodeJS.ProcessEnv;
    const loaders: [string, () => unknown][] = [
      ['gateway', () => loadGatewayConfig(half)],
      ['salesforce', () => loadSalesforceSubgraphConfig(half)],
      ['hubspot', () => loadHubspotSubgraphConfig(half)],
      ['consent', () => loadConsentConfig(half)],
      ['engagement', () => toEngagementConfig(loadConfig(engagementEnv, half))],
      ['platforms', () => toPlatformsConfig(loadConfig(platformsEnv, half))],
    ];
    for (const [name, load] of loaders) expect(configError(load), name).toMatch(/TLS_KEY_FILE: required/);
    const both = { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } as NodeJS.ProcessEnv;
    expect(loadGatewayConfig(both).tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(loadConsentConfig(both).tls?.cert).toContain('BEGIN CERTIFICATE');
  });
});

describe('npm start with TLS: HTTPS and WSS on every listener', () => {
  let start: SpawnedService | undefined;
  let ca: string;
  let ports: Record<string, string>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const pems = await certificate();
    ca = pems.cert;
    const certFile = file('cert.pem', pems.cert);
    const keyFile = file('key.pem', pems.key);
    ports = await freePortEnv();
    start = spawnEntry('scripts/start.ts', {
      ...ports,
      SIM_CONTACTS: '50',
      LOG_LEVEL: 'warn',
      TLS_CERT_FILE: certFile,
      TLS_KEY_FILE: keyFile,
      // The parts call each other over https: they trust the certificate as a CA.
      NODE_EXTRA_CA_CERTS: certFile,
    });
    await start.waitFor(/Try it:[\s\S]*primaryPhone/, 200_000);
    for (const role of ['agent', 'admin'])
      tokens[role] = new RegExp(`^\\s+${role}\\s+(ey\\S+)$`, 'm').exec(start.output())![1]!;
  }, 230_000);
  afterAll(() => start?.kill());

  /** One HTTPS request trusting only the test certificate. */
  function request(
    url: string,
    options: { method?: string; headers?: Record<string, string>; body?: string; trust?: boolean } = {},
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const req = (target.protocol === 'https:' ? https : http).request(
        target,
        { method: options.method ?? 'GET', headers: options.headers, ...(options.trust === false ? {} : { ca }) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }
  const gatewayUrl = () => `https://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
  async function gql<T>(
    token: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data?: T; errors?: unknown[] }> {
    const res = await request(gatewayUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return JSON.parse(res.body) as { data?: T; errors?: unknown[] };
  }

  it('prints https URLs and serves health on https from every listener', async () => {
    expect(start!.output()).toContain(`Gateway:  https://127.0.0.1:${ports.GATEWAY_PORT}/graphql`);
    for (const name of [
      'GATEWAY_PORT',
      'SALESFORCE_SUBGRAPH_PORT',
      'HUBSPOT_SUBGRAPH_PORT',
      'CONSENT_SUBGRAPH_PORT',
      'ENGAGEMENT_SUBGRAPH_PORT',
      'PLATFORMS_PORT',
    ]) {
      const res = await request(`https://127.0.0.1:${ports[name]}/healthz`);
      expect(res.status, name).toBe(200);
    }
  });

  it('speaks only TLS, with the configured certificate', async () => {
    // Plain HTTP on the same port gets no answer; a client that does not trust the certificate refuses it.
    await expect(request(`http://127.0.0.1:${ports.GATEWAY_PORT}/healthz`)).rejects.toThrow();
    await expect(request(`https://127.0.0.1:${ports.GATEWAY_PORT}/healthz`, { trust: false })).rejects.toThrow(
      /self-signed|self signed/i,
    );
  });

  it('reaches every subgraph over https: readiness, contacts from both CRMs, a consent decision', async () => {
    const ready = await request(`https://127.0.0.1:${ports.GATEWAY_PORT}/readyz`);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'ready',
      subgraphs: { salesforce: 'up', hubspot: 'up', consent: 'up', engagement: 'up' },
    });
    const answer = await gql<{
      contactsByPhone: { id: string }[];
      callPermission: { allowed: boolean; decisionId: string };
    }>(
      tokens.agent!,
      'query { contactsByPhone(phone: "+14155550100") { id } callPermission(phone: "+14155550100", purpose: MARKETING) { allowed decisionId } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.contactsByPhone.map((c) => c.id.split(':')[0]).sort()).toEqual(['hubspot', 'salesforce']);
    expect(answer.data!.callPermission.decisionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("takes the simulators' change events on the https webhooks", async () => {
    const admin = new SimAdminClient(`http://127.0.0.1:${ports.SIM_HUBSPOT_PORT}`);
    const edited = await admin.edit({
      kind: 'phone',
      contactId: '1001',
      phone: `+1415555${String(Date.now()).slice(-4)}`,
    });
    expect(edited.changedFields.length).toBeGreaterThan(0);
    const delivered = async () =>
      (await admin.deliveries()).filter((d) =>
        d.target.startsWith(`https://127.0.0.1:${ports.HUBSPOT_SUBGRAPH_PORT}/`),
      );
    await expect
      .poll(async () => (await delivered()).map((d) => `${d.state} ${d.lastStatus ?? d.lastError ?? ''}`), {
        timeout: 20_000,
        interval: 100,
      })
      .toContain('delivered 200');
  }, 40_000);

  it('relays a subscription over wss (client → gateway → consent)', async () => {
    const phone = `+1212555${String(Date.now()).slice(-4)}`;
    const revoked = await gql<{ revokeConsent: { cursor: string } }>(
      tokens.agent!,
      'mutation($input: RevokeConsentInput!) { revokeConsent(input: $input) { cursor } }',
      {
        input: {
          phone,
          channel: 'VOICE',
          seller: 'demo-seller',
          source: 'tls-test',
          occurredAt: new Date(Date.now() - 60_000).toISOString(),
        },
      },
    );
    expect(revoked.errors).toBeUndefined();
    const cursor = revoked.data!.revokeConsent.cursor;
    // A WebSocket that trusts the test certificate, as a client of the wss:// URL would be configured.
    class TrustingWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { ca });
      }
    }
    const client = createClient({
      url: `wss://127.0.0.1:${ports.GATEWAY_PORT}/graphql`,
      webSocketImpl: TrustingWebSocket,
      connectionParams: { authorization: `Bearer ${tokens.agent}` },
      retryAttempts: 0,
      lazy: true,
    });
    try {
      const event = await new Promise<{ phone: string; cursor: string }>((resolve, reject) => {
        const dispose = client.subscribe<{ consentRevoked: { phone: string; cursor: string } }>(
          {
            query:
              'subscription($p: [String!], $after: String) { consentRevoked(phones: $p, after: $after) { phone cursor } }',
            variables: { p: [phone], after: String(Number(cursor) - 1) },
          },
          {
            next: (message) => {
              dispose();
              if (message.data) resolve(message.data.consentRevoked);
              else reject(new Error(JSON.stringify(message.errors)));
            },
            error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
            complete: () => undefined,
          },
        );
      });
      expect(event).toEqual({ phone, cursor });
    } finally {
      await client.dispose();
    }
  });
});
