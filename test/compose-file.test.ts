import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { crmSubgraphList } from '../shared/config.js';
import { gatewayEnv } from '../gateway/config.js';

// docker-compose.yml cannot run here (no Docker engine), so it is checked statically: every app
// service runs an entry point that exists, sets only env vars its config schema reads (a var the
// schema does not know is silently ignored: the classic "why is it on localhost" bug), parses with
// that schema in production mode, listens on the port it publishes and health-checks, and every URL
// it is given points at a service and port that exist.

const root = path.resolve(import.meta.dirname, '..');
const file = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
interface Service {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

/** Which env schema each app service is configured by (loaded lazily: a missing module is a finding). */
const SCHEMAS: Record<string, () => Promise<z.ZodType | undefined>> = {
  gateway: async () => gatewayEnv,
  salesforce: async () => (await import('../subgraphs/salesforce/config.js')).salesforceSubgraphEnv,
  hubspot: async () => (await import('../subgraphs/hubspot/config.js')).hubspotSubgraphEnv,
  consent: async () => (await import('../subgraphs/consent/config.js')).consentEnv,
  engagement: async () => (await import('../subgraphs/engagement/config.js')).engagementEnv,
  worker: async () => (await import('../subgraphs/engagement/config.js')).engagementEnv,
  platforms: async () => (await import('../platforms/core/config.js')).platformsEnv,
};

/** Required secrets that have a shape an operator's real value has (the rest: strong random text). */
const SHAPED_SECRETS: Record<string, string> = {
  TELNYX_PUBLIC_KEY: Buffer.alloc(32, 7).toString('base64'), // an Ed25519 public key
  CONNECTION_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`, // a key ring
};

/** `${VAR:?msg}` / `${VAR:-default}` as an operator would resolve them (non-development secrets). */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, rest?: string) =>
    op === '-'
      ? (rest ?? '')
      : (SHAPED_SECRETS[name] ?? `compose-test-${name.toLowerCase()}-0123456789abcdef0123456789`),
  );
}

function envOf(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
}

function shapeKeys(schema: z.ZodType): string[] {
  const s = schema as unknown as { shape?: object; in?: { shape?: object }; def?: { in?: { shape?: object } } };
  return Object.keys(s.shape ?? s.in?.shape ?? s.def?.in?.shape ?? {});
}

const appServices = Object.entries(file.services).filter(
  ([, s]) => s.build !== undefined || s.image === 'dialplane:local',
);

function publishedPorts(service: Service): number[] {
  return (service.ports ?? []).map((p) => Number(String(p).split(':').pop()));
}

describe('docker-compose.yml (static)', () => {
  it('has the production shape: redis, postgres, the simulators, every subgraph, the worker, the gateway and the voice platforms', () => {
    expect(Object.keys(file.services).sort()).toEqual(
      [
        'consent',
        'engagement',
        'gateway',
        'hubspot',
        'platforms',
        'postgres',
        'redis',
        'salesforce',
        'sims',
        'worker',
      ].sort(),
    );
  });

  it('every app service runs a compiled entry point whose source exists', () => {
    const missing: string[] = [];
    for (const [name, service] of appServices) {
      const [bin, entry] = service.command ?? [];
      expect(bin, `${name}: command must be node <dist entry>`).toBe('node');
      const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      if (!existsSync(path.join(root, source))) missing.push(`${name}: ${source}`);
    }
    expect(missing, 'entry points without a source file').toEqual([]);
  });

  it('every env var is one the service config reads, and the env parses in production mode', async () => {
    const problems: string[] = [];
    for (const [name, service] of appServices) {
      const load = SCHEMAS[name];
      // The simulators' env schema lives in their CLI module (importing it starts them): they are
      // checked for entry point, ports, URLs and health only.
      if (!load) continue;
      const schema = await load().catch(() => undefined);
      if (!schema) {
        problems.push(`${name}: config module not found`);
        continue;
      }
      const env = envOf(service);
      const known = new Set(shapeKeys(schema));
      for (const key of Object.keys(env))
        if (!known.has(key)) problems.push(`${name}: ${key} is not read by its config schema`);
      const parsed = schema.safeParse(env);
      if (!parsed.success)
        problems.push(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('each service listens on the ports it publishes and health-checks', () => {
    for (const [name, service] of appServices) {
      const env = envOf(service);
      const portVars = Object.entries(env).filter(([k]) => /_PORT$/.test(k));
      if (name === 'worker') {
        expect(portVars, 'the worker serves nothing').toEqual([]);
        continue;
      }
      expect(portVars.length, `${name}: a *_PORT`).toBeGreaterThan(0);
      const health = (service.healthcheck?.test ?? []).join(' ');
      for (const [, value] of portVars) {
        expect(publishedPorts(service), `${name}: published port`).toContain(Number(value));
        expect(health, `${name}: health check`).toContain(`127.0.0.1:${value}/`);
      }
    }
  });

  it('every URL points at a service and port that exist, and dependencies are healthy-gated', () => {
    const listening = new Map<string, number[]>();
    for (const [name, service] of Object.entries(file.services)) listening.set(name, publishedPorts(service));
    listening.set('redis', [6379]);
    listening.set('postgres', [5432]);
    for (const [name, service] of appServices) {
      for (const [key, value] of Object.entries(envOf(service))) {
        for (const match of value.matchAll(/\b(?:https?|redis|postgres):\/\/(?:[^@/\s]+@)?([a-z][a-z0-9-]*):(\d+)/g)) {
          const [, host, port] = match;
          expect(listening.get(host!), `${name}.${key}: no service "${host}"`).toBeDefined();
          expect(listening.get(host!), `${name}.${key}: ${host} does not listen on ${port}`).toContain(Number(port));
          // The simulators post change events to the CRM subgraphs, which depend on them: that
          // edge goes the other way (a webhook target may come up later; the sims retry delivery).
          if (host !== name && name !== 'sims')
            expect(service.depends_on?.[host!]?.condition, `${name} must wait for ${host}`).toBe('service_healthy');
        }
      }
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(file.services[dependency], `${name} depends on ${dependency}`).toBeDefined();
      if (name !== 'worker') expect(service.healthcheck, `${name}: health check`).toBeDefined();
    }
  });

  it('the gateway routes to every CRM subgraph service by configuration', () => {
    const crms = crmSubgraphList.parse(envOf(file.services.gateway!).CRM_SUBGRAPHS);
    expect(crms.map((c) => c.name)).toEqual(['salesforce', 'hubspot']);
    for (const crm of crms) expect(file.services[new URL(crm.url).hostname]).toBeDefined();
  });
});
