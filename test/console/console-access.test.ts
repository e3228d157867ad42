import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentity, streamBinding, IDENTITY_HEADER } from '../../shared/identity.js';
import { PIPELINE_HEALTH_PATH } from '../../shared/crm/pipeline-health.js';
import { PipelineAnswer } from '../../gateway/console/pipeline-route.js';
import { RULES } from '../../subgraphs/consent/decision/explain.js';
import { buildUi, uiBuildIsFresh } from '../../scripts/build-ui.js';
import { STACK_INTERNAL_SECRET, startStack, type Stack } from '../support/stack.js';

// The operations console's data over real HTTP, role by role (docs/access.md): the pipeline
// endpoint and the GraphQL fields the page reads answer a role without access with a typed
// refusal, and the CRM subgraphs' internal route refuses anything but the gateway's signed identity.
describe('operations console: access and data over HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The page is served from ui-build/: build it here rather than rely on a browser test running first.
    if (!uiBuildIsFresh()) await buildUi();
    stack = await startStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const base = () => stack.gatewayUrl.replace(/\/graphql$/, '');
  const pipeline = (token?: string) =>
    fetch(`${base()}/console/api/pipeline`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  };

  it('serves the page with our-origin-only CSP and no token needed for the static page', async () => {
    const res = await fetch(`${base()}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('/console/assets/console.js');
  });

  it('refuses the pipeline endpoint without a token (401 UNAUTHENTICATED) and for roles without access (403 FORBIDDEN)', async () => {
    const anonymous = await pipeline();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    const forged = await pipeline(`${stack.tokens.admin.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    for (const role of ['agent', 'compliance'] as const) {
      const refused = await pipeline(stack.tokens[role]);
      expect(refused.status, role).toBe(403);
      expect(await refused.json()).toEqual({
        error: { code: 'FORBIDDEN', message: expect.stringContaining('admin or analyst') },
      });
    }
  });

  it('shows every CRM to an analyst and an admin, counting reads, cache hits and CRM calls', async () => {
    // One contact read per CRM, twice: a miss (CRM call), then a hit.
    for (let i = 0; i < 2; i++) {
      const r = await gql(
        stack.tokens.analyst,
        '{ a: contact(id: "hubspot:1001") { id } b: contactsByPhone(phone: "+14155550100") { id } }',
      );
      expect(r.errors).toBeUndefined();
    }
    for (const role of ['analyst', 'admin'] as const) {
      const res = await pipeline(stack.tokens[role]);
      expect(res.status).toBe(200);
      const answer = PipelineAnswer.parse(await res.json());
      expect(answer.crms.map((c) => c.name)).toEqual(['salesforce', 'hubspot']);
      const hubspot = answer.crms.find((c) => c.name === 'hubspot');
      if (hubspot?.status !== 'up') throw new Error(`hubspot is ${hubspot?.status}`);
      expect(hubspot.health.breaker).toBe('closed');
      expect(hubspot.health.reads).toBeGreaterThanOrEqual(2);
      expect(hubspot.health.cache.hit).toBeGreaterThanOrEqual(1);
      expect(hubspot.health.cache.hitRate).toBeGreaterThan(0);
      expect(hubspot.health.crmCalls.total).toBeGreaterThanOrEqual(1);
      // The simulator reports the daily allowance on every answer.
      expect(hubspot.health.apiBudget).toMatchObject({
        window: 'daily',
        limit: expect.any(Number),
        remaining: expect.any(Number),
      });
      const salesforce = answer.crms.find((c) => c.name === 'salesforce');
      if (salesforce?.status !== 'up') throw new Error(`salesforce is ${salesforce?.status}`);
      expect(salesforce.health.apiBudget?.limit).toBeGreaterThan(0);
      expect(salesforce.health.reconciliation).toBeNull(); // off in stack tests
    }
  });

  describe('with a per-caller rate limit, and a CRM subgraph down', () => {
    let local: Stack;
    beforeAll(async () => {
      local = await startStack({ gateway: { admission: { rateLimits: { analyst: { points: 2, durationS: 60 } } } } });
      await local.stopService('salesforce');
    }, 120_000);
    afterAll(async () => {
      await local?.close();
    });
    const ask = (token: string) =>
      fetch(`${local.gatewayUrl.replace(/\/graphql$/, '')}/console/api/pipeline`, {
        headers: { authorization: `Bearer ${token}` },
      });

    it('lists a CRM whose subgraph is down as down, the others still shown', async () => {
      const answer = PipelineAnswer.parse(await (await ask(local.tokens.admin)).json());
      expect(answer.crms.find((c) => c.name === 'salesforce')).toMatchObject({
        status: 'down',
        error: { code: 'SUBGRAPH_UNAVAILABLE' },
      });
      expect(answer.crms.find((c) => c.name === 'hubspot')?.status).toBe('up');
    });

    it('holds a caller to the same rate limit as /graphql (429 RATE_LIMITED with retry-after)', async () => {
      expect((await ask(local.tokens.analyst)).status).toBe(200);
      expect((await ask(local.tokens.analyst)).status).toBe(200);
      const limited = await ask(local.tokens.analyst);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    });
  });

  it("refuses the CRM subgraph's internal route without the gateway's signed identity, or for an agent's", async () => {
    const target = new URL(PIPELINE_HEALTH_PATH, stack.urls.hubspot);
    const bare = await fetch(target);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    // Signed for another request (a captured header from a GraphQL POST) does not verify.
    const wrongBinding = signIdentity({ sub: 'x', roles: ['admin'] }, STACK_INTERNAL_SECRET, { body: '{}' });
    expect((await fetch(target, { headers: { [IDENTITY_HEADER]: wrongBinding } })).status).toBe(401);
    const agent = signIdentity({ sub: 'a', roles: ['agent'], seller: 'demo-seller' }, STACK_INTERNAL_SECRET, {
      body: streamBinding('GET', PIPELINE_HEALTH_PATH),
    });
    const refused = await fetch(target, { headers: { [IDENTITY_HEADER]: agent } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });

  it('answers the write-back queue to an admin only (typed FORBIDDEN otherwise)', async () => {
    const query = '{ writeBackQueue { pending retrying deadLettered oldestPendingAgeSeconds byCrm { crm pending } } }';
    for (const role of ['agent', 'analyst', 'compliance'] as const) {
      const r = await gql(stack.tokens[role], query);
      expect(r.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
    }
    const admin = await gql(stack.tokens.admin, query);
    expect(admin.errors).toBeUndefined();
    expect(admin.data.writeBackQueue).toMatchObject({
      pending: expect.any(Number),
      retrying: expect.any(Number),
      deadLettered: expect.any(Number),
    });
  });

  it("counts only the caller's sellers' write-backs in the queue", async () => {
    // No worker in this stack: the outcome's write-back stays pending.
    const recorded = await gql(
      stack.tokens.agent,
      'mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id } }',
      {
        input: {
          contactId: 'hubspot:1002',
          callId: 'console-call-1',
          decisionId: 'console-decision-1',
          idempotencyKey: 'console-queue-scope-1',
          disposition: 'VOICEMAIL',
          occurredAt: new Date().toISOString(),
        },
      },
    );
    expect(recorded.errors).toBeUndefined();
    const query = '{ writeBackQueue { pending byCrm { crm pending } } }';
    const everySeller = await gql(stack.tokens.admin, query);
    expect(everySeller.data.writeBackQueue.pending).toBeGreaterThanOrEqual(1);
    expect(everySeller.data.writeBackQueue.byCrm).toContainEqual({
      crm: 'hubspot',
      pending: everySeller.data.writeBackQueue.pending,
    });
    const otherSeller = await stack.token({ sub: 'other-admin', roles: ['admin'], seller: 'other-seller' });
    expect((await gql(otherSeller, query)).data.writeBackQueue).toEqual({ pending: 0, byCrm: [] });
  });

  it('explains a recorded decision rule by rule to the compliance role only', async () => {
    const phone = '+12125550177';
    const decided = await gql(
      stack.tokens.compliance,
      'query($p: String!) { callPermission(phone: $p, purpose: MARKETING) { allowed reasons decisionId } }',
      { p: phone },
    );
    expect(decided.errors).toBeUndefined();
    const { reasons, decisionId } = decided.data.callPermission as { reasons: string[]; decisionId: string };
    expect(reasons).toContain('NO_CONSENT');
    const query =
      'query($p: String!) { auditTrail(phone: $p) { action decisionId reasons explanation { rule outcome codes detail } } }';
    expect((await gql(stack.tokens.admin, query, { p: phone })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The decision's audit row is written in a batch: poll until it is there.
    let row:
      | { decisionId: string; reasons: string[]; explanation: { rule: string; outcome: string; codes: string[] }[] }
      | undefined;
    const deadline = Date.now() + 10_000;
    while (!row && Date.now() < deadline) {
      const r = await gql(stack.tokens.compliance, query, { p: phone });
      expect(r.errors).toBeUndefined();
      row = r.data.auditTrail.find((x: { decisionId: string | null }) => x.decisionId === decisionId);
      if (!row) await new Promise((resolve) => setImmediate(resolve));
    }
    if (!row) throw new Error('the decision never reached the audit log');
    expect(row.explanation.map((x) => x.rule)).toEqual(RULES.map((x) => x.rule));
    // Every reason is explained by a denying rule, and only reasons are.
    expect(row.explanation.flatMap((x) => x.codes).sort()).toEqual([...reasons].sort());
    expect(row.explanation.find((x) => x.rule === 'A1-A4')).toMatchObject({ outcome: 'DENIED', codes: ['NO_CONSENT'] });
    expect(row.explanation.find((x) => x.rule === 'D4')).toMatchObject({ outcome: 'PASSED', codes: [] });
  });
});
