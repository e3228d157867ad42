import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { signToken } from '../../gateway/dev-tokens.js';
import { loadManifest } from '../../shared/trusted-documents-manifest.js';
import { TEST_JWT, fixtureGatewayConfig, startCrmFixture, type CrmFixture } from '../gateway/fixtures/subgraphs.js';

// Issue 10, trusted documents: in production an agent token runs only the documents our clients
// were built with (the codegen manifest), by id or hash; an LLM-written or injected query is
// refused before it reaches the graph. Analysts keep ad-hoc queries.
const root = path.resolve(import.meta.dirname, '../..');
const manifest = loadManifest(path.join(root, 'examples/generated/trusted/persisted-documents.json'));
const [contactsByPhoneId, contactsByPhoneText] = Object.entries(manifest).find(([, text]) =>
  text.startsWith('query ContactsByPhone'),
)!;

let crm: CrmFixture;
let gateway: RunningGateway;
let agent: string;
let analyst: string;

beforeAll(async () => {
  crm = await startCrmFixture('salesforce', [{ sourceId: '001', first: 'Ada', phone: '+14155550100' }]);
  gateway = await startGateway(
    fixtureGatewayConfig(crm, { admission: { trustedDocuments: { mode: 'enforce', manifest } } }),
    { log: silentLogger, collectDefaultMetrics: false },
  );
  agent = await signToken({ sub: 'agent-1', roles: ['agent'] }, TEST_JWT);
  analyst = await signToken({ sub: 'analyst-1', roles: ['analyst'] }, TEST_JWT);
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  await crm?.close();
});

async function post(token: string, body: Record<string, unknown>) {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] },
  };
}

const variables = { phone: '+14155550100' };
const adHoc = '{ contactsByPhone(phone: "+14155550100") { id email primaryPhone } }';

describe('trusted documents, enforced', () => {
  it("refuses an agent's ad-hoc query with DOCUMENT_NOT_REGISTERED", async () => {
    const answer = await post(agent, { query: adHoc });
    expect(answer.status).toBe(403);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('DOCUMENT_NOT_REGISTERED');
    expect(crm.calls).toHaveLength(0);
  });

  it("runs a registered document named by Apollo's persisted-query hash, by documentId, or sent as its exact text", async () => {
    const hash = contactsByPhoneId.slice('sha256:'.length);
    for (const body of [
      { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables },
      { documentId: contactsByPhoneId, variables },
      { query: contactsByPhoneText, variables },
    ]) {
      const answer = await post(agent, body);
      expect(answer.body.errors, JSON.stringify(body)).toBeUndefined();
      expect(answer.body.data?.contactsByPhone).toEqual([expect.objectContaining({ id: 'salesforce:001' })]);
    }
    const viaGet = await fetch(
      `${gateway.url}?documentId=${encodeURIComponent(contactsByPhoneId)}&variables=${encodeURIComponent(JSON.stringify(variables))}`,
      {
        headers: { authorization: `Bearer ${agent}`, accept: 'application/json', 'apollo-require-preflight': 'true' },
      },
    );
    const got = (await viaGet.json()) as { data?: { contactsByPhone: unknown[] } };
    expect(got.data?.contactsByPhone, JSON.stringify(got)).toHaveLength(1);
  });

  it('refuses an unknown id, and a registered id smuggling another text', async () => {
    const unknown = await post(agent, { documentId: `sha256:${'0'.repeat(64)}`, variables });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const smuggled = await post(agent, { documentId: contactsByPhoneId, query: adHoc, variables });
    expect(smuggled.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('lets an analyst run ad-hoc queries', async () => {
    const answer = await post(analyst, { query: adHoc });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.contactsByPhone).toHaveLength(1);
  });

  it('the manifest holds exactly the operations of examples/operations and the platforms service (freshness: test/gateway/codegen-freshness.test.ts)', () => {
    const names = Object.values(manifest).map((text) => /^(?:query|mutation|subscription) (\w+)/.exec(text)?.[1]);
    const declared = [
      'examples/operations/call-start.graphql',
      'examples/operations/consent-revocations.graphql',
      'platforms/core/operations.graphql',
    ].flatMap((f) =>
      [...readFileSync(path.join(root, f), 'utf8').matchAll(/^(?:query|mutation|subscription) (\w+)/gm)].map(
        (m) => m[1],
      ),
    );
    expect(names.sort()).toEqual(declared.sort());
  });
});
