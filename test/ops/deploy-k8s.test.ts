import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { gatewayEnv } from '../../gateway/config.js';

// deploy/k8s/ cannot be applied here (no cluster), so it is checked statically: every manifest
// validates against the Kubernetes API schemas (kubernetes-models), every Deployment runs an entry
// point that exists, sets only variables its service's config schema reads and parses with it in
// production mode, listens on the port its probes and Service use, takes secrets from Secret
// objects, and is covered by a PodDisruptionBudget; the gateway and the CRM subgraphs autoscale.
const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, 'deploy/k8s');
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any };
const manifests: { file: string; doc: Manifest }[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => ({ file, doc: d.toJSON() as Manifest })),
  );

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

const SCHEMAS: Record<string, { schema: () => Promise<z.ZodType>; portVar?: string }> = {
  gateway: { schema: async () => gatewayEnv, portVar: 'GATEWAY_PORT' },
  salesforce: {
    schema: async () => (await import('../../subgraphs/salesforce/config.js')).salesforceSubgraphEnv,
    portVar: 'SALESFORCE_SUBGRAPH_PORT',
  },
  hubspot: {
    schema: async () => (await import('../../subgraphs/hubspot/config.js')).hubspotSubgraphEnv,
    portVar: 'HUBSPOT_SUBGRAPH_PORT',
  },
  consent: {
    schema: async () => (await import('../../subgraphs/consent/config.js')).consentEnv,
    portVar: 'CONSENT_SUBGRAPH_PORT',
  },
  engagement: {
    schema: async () => (await import('../../subgraphs/engagement/config.js')).engagementEnv,
    portVar: 'ENGAGEMENT_SUBGRAPH_PORT',
  },
  worker: { schema: async () => (await import('../../subgraphs/engagement/config.js')).engagementEnv },
  platforms: {
    schema: async () => (await import('../../platforms/core/config.js')).platformsEnv,
    portVar: 'PLATFORMS_PORT',
  },
};

function shapeKeys(schema: z.ZodType): string[] {
  const s = schema as unknown as { shape?: object; in?: { shape?: object }; def?: { in?: { shape?: object } } };
  return Object.keys(s.shape ?? s.in?.shape ?? s.def?.in?.shape ?? {});
}

/** What an operator's Secret would hold: strong values of the right shape. */
function secretValue(name: string): string {
  if (name === 'DATABASE_URL') return 'postgres://dialplane:k8s-test-password@postgres:5432/dialplane';
  if (name === 'REDIS_URL') return 'redis://redis:6379';
  if (name === 'CONNECTION_ENCRYPTION_KEYS') return `k1:${Buffer.alloc(32, 9).toString('base64')}`; // a key ring
  if (name === 'TELNYX_PUBLIC_KEY') return Buffer.alloc(32, 7).toString('base64'); // an Ed25519 public key's shape
  return `k8s-test-${name.toLowerCase()}-0123456789abcdef0123456789`;
}

const deployments = manifests.filter((m) => m.doc.kind === 'Deployment');
const services = new Map(manifests.filter((m) => m.doc.kind === 'Service').map((m) => [m.doc.metadata.name, m.doc]));

describe('deploy/k8s manifests', () => {
  it('every manifest validates against the Kubernetes API schema of its kind', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const { file, doc } of manifests) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind} has no validator here`).toBeDefined();
      expect(() => new Model!(doc).validate(), `${file} ${doc.kind}/${doc.metadata.name}`).not.toThrow();
    }
  });

  it('runs the gateway, each subgraph, the worker and the voice-platforms service, with Redis and PostgreSQL external', () => {
    expect(deployments.map((d) => d.doc.metadata.name).sort()).toEqual(Object.keys(SCHEMAS).sort());
    expect(services.get('redis')?.spec.type).toBe('ExternalName');
    expect(services.get('postgres')?.spec.type).toBe('ExternalName');
  });

  it.each(deployments.map((d) => [d.doc.metadata.name, d.doc] as const))(
    '%s: entry exists, env agrees with its config schema, secrets come from Secrets, probes and ports line up',
    async (name, doc) => {
      const container = doc.spec.template.spec.containers[0];
      const entry = container.command[1] as string;
      expect(
        readdirSync(path.join(root, path.dirname(entry.replace(/^dist\//, '')))).includes(
          path.basename(entry).replace(/\.js$/, '.ts'),
        ),
      ).toBe(true);
      const { schema: load, portVar } = SCHEMAS[name]!;
      const schema = await load();
      const known = new Set(shapeKeys(schema));
      const env: Record<string, string> = {};
      for (const v of container.env as {
        name: string;
        value?: string;
        valueFrom?: { secretKeyRef?: { name: string } };
      }[]) {
        expect(known.has(v.name), `${name} sets ${v.name}, which its config schema does not read`).toBe(true);
        if (/SECRET|TOKEN|PASSWORD|DATABASE_URL|REDIS_URL|CLIENT_ID|_KEYS?$/.test(v.name)) {
          expect(v.valueFrom?.secretKeyRef?.name, `${name}: ${v.name} must come from a Secret`).toBe(
            'dialplane-secrets',
          );
          env[v.name] = secretValue(v.name);
        } else env[v.name] = v.value!;
      }
      const parsed = schema.safeParse(env);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(env.NODE_ENV).toBe('production');
      expect(env.BIND_HOST).toBe('0.0.0.0');
      expect(container.resources.requests.cpu).toBeDefined();
      expect(container.resources.requests.memory).toBeDefined();
      if (portVar) {
        const port = Number(env[portVar]);
        expect(container.ports[0].containerPort).toBe(port);
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
        expect(container.livenessProbe.httpGet.path).toBe('/healthz');
        expect(services.get(name)?.spec.ports[0].port).toBe(port);
      }
      // Every URL it is given points at a Service of these manifests, on that Service's port.
      for (const value of Object.values(env)) {
        for (const url of value
          .split(',')
          .map((p) => p.split('=').pop()!)
          .filter((u) => /^https?:\/\/[a-z-]+:\d+/.test(u))) {
          const { hostname, port } = new URL(url);
          expect(services.get(hostname)?.spec.ports?.[0]?.port, `${name}: ${url}`).toBe(Number(port));
        }
      }
      // Voluntary disruptions (node drains) keep one pod of each.
      const pdb = manifests.find(
        (m) =>
          m.doc.kind === 'PodDisruptionBudget' &&
          JSON.stringify(m.doc.spec.selector.matchLabels) === JSON.stringify(doc.spec.selector.matchLabels),
      );
      expect(pdb, `${name} has no PodDisruptionBudget`).toBeDefined();
    },
  );

  it('the gateway and the CRM subgraphs scale out on CPU', () => {
    const scaled = manifests
      .filter((m) => m.doc.kind === 'HorizontalPodAutoscaler')
      .map((m) => m.doc.spec.scaleTargetRef.name)
      .sort();
    expect(scaled).toEqual(['gateway', 'hubspot', 'salesforce']);
  });
});
