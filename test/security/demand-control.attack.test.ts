import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

// Issue 10, as an attacker over real HTTP against the whole system: documents that used to stall
// everyone are refused at the gateway door with QUERY_TOO_COMPLEX before any planning or CRM
// call; the CRM fast lane does not let a cheap caller replay what an expensive one warmed up; a
// caller over its rate gets RATE_LIMITED with Retry-After while others are served.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    gateway: { admission: { rateLimits: { agent: { points: 20, durationS: 60 } } } },
  });
}, 180_000);
afterAll(() => stack?.close());

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(token: string, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
const sfIds = (n: number) => Array.from({ length: n }, (_, i) => `salesforce:003${String(i).padStart(12, '0')}`);
let callers = 0;
const agentToken = () => stack.token({ sub: `agent-${++callers}`, roles: ['agent'], seller: 'demo-seller' });
const analystToken = () => stack.token({ sub: `analyst-${++callers}`, roles: ['analyst'], seller: 'demo-seller' });

describe('demand control at the gateway door', () => {
  it('refuses the 13 KB document of 200 × contacts(500 ids) (an 8 MB answer in 10 s before) at once', async () => {
    const query = `query Flood($ids: [ID!]!) ${aliases(200, 'contacts(ids: $ids) { id name { full } }')}`;
    const answer = await post(await analystToken(), query, { ids: sfIds(500) });
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    // 200 aliases are more tokens than allowed: parsing stops at the limit.
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'tokens',
      max: 1_000,
    });
  });

  it('refuses 1,000 aliases of contactsByPhone (more tokens than allowed), and 50 with the measured alias count', async () => {
    const thousand = await post(await analystToken(), aliases(1_000, 'contactsByPhone(phone: "+14155550100") { id }'));
    expect(thousand.status).toBe(400);
    expect(thousand.body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'tokens',
      max: 1_000,
    });
    const fifty = await post(await analystToken(), aliases(50, 'contactsByPhone(phone: "+14155550100") { id }'));
    expect(fifty.body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'aliases',
      measured: 50,
      max: 15,
    });
  });

  it('refuses a flood of callPermission decisions before any of them writes an audit row', async () => {
    const phone = '+14155550123';
    const compliance = await stack.token({ sub: 'auditor', roles: ['compliance'], seller: 'demo-seller' });
    // Decisions only (reading the trail is itself audited).
    const trail = async () =>
      (
        (await post(compliance, `{ auditTrail(phone: "${phone}") { decisionId } }`)).body.data!.auditTrail as {
          decisionId: string | null;
        }[]
      ).filter((r) => r.decisionId).length;
    const before = await trail();
    const answer = await post(
      await agentToken(),
      aliases(12, `callPermission(phone: "${phone}", purpose: MARKETING) { allowed }`),
    );
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'cost',
      budget: 100,
    });
    expect(await trail()).toBe(before);
    // One decision is well within an agent's budget and is audited as before.
    const one = await post(await agentToken(), `{ callPermission(phone: "${phone}", purpose: MARKETING) { allowed } }`);
    expect(one.body.errors).toBeUndefined();
    // Audit rows are written in batches off the request path: wait for this one.
    await expect.poll(trail, { timeout: 5_000 }).toBe(before + 1);
  });

  it('prices list variables per request, on the CRM fast lane too: an analyst warming a document does not open it to agents', async () => {
    const query = 'query Many($ids: [ID!]!) { contacts(ids: $ids) { id name { full } } }';
    const ids = sfIds(60);
    const analyst = await analystToken();
    // Twice: the second request is served by the fast lane (no Apollo pipeline).
    for (let i = 0; i < 2; i++) expect((await post(analyst, query, { ids })).body.errors).toBeUndefined();
    const agent = await agentToken();
    const refused = await post(agent, query, { ids });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'cost',
      budget: 100,
    });
    expect((await post(agent, query, { ids: ids.slice(0, 3) })).body.errors).toBeUndefined();
    const tooLong = await post(analyst, query, { ids: sfIds(101) });
    expect(tooLong.body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'listLength',
      measured: 101,
    });
  });

  it('admits the agent call-start query', async () => {
    const lookup = await post(await agentToken(), '{ contactsByPhone(phone: "+14155550100") { id } }');
    expect(lookup.body.errors).toBeUndefined();
  });
});

describe('per-caller rate limit', () => {
  it('answers RATE_LIMITED with Retry-After once a caller spends its budget; another caller is still served', async () => {
    const greedy = await agentToken();
    const query = '{ contactsByPhone(phone: "+14155550100") { id } }';
    const answers: Answer[] = [];
    for (let i = 0; i < 21; i++) answers.push(await post(greedy, query));
    expect(answers.slice(0, 20).every((a) => a.status === 200 && !a.body.errors)).toBe(true);
    const last = answers[20]!;
    expect(last.status).toBe(429);
    expect(last.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'rate' });
    expect(Number(last.retryAfter)).toBeGreaterThan(0);
    expect(last.body.errors?.[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
    const other = await post(await agentToken(), query);
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
  });
});
