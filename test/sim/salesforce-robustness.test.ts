import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';

// Bad input of every kind must get a Salesforce-shaped error, never a crash or a hang.
let sim: SalesforceSim;
const token = 'robust-token';
const base = () => `${sim.url}/services/data/v62.0`;
const auth = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  sim = await startSalesforceSim({
    port: 0,
    contacts: 20,
    latency: { medianMs: 0, jitterMs: 0 },
    staticAccessTokens: [token],
  });
});
afterAll(async () => {
  await sim.close();
});

const KNOWN = new Set([
  'MALFORMED_QUERY',
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_QUERY_FILTER_OPERATOR',
  'MALFORMED_SEARCH',
]);

async function soql(q: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base()}/query?q=${encodeURIComponent(q)}`, { headers: auth });
  expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  return { status: res.status, body: await res.json() };
}

function expectSfErrorBody(status: number, body: unknown): void {
  expect(status).toBe(400);
  expect(Array.isArray(body)).toBe(true);
  const [e] = body as { errorCode: string; message: string; fields: unknown[] }[];
  expect(KNOWN.has(e.errorCode), `${e.errorCode}: ${e.message}`).toBe(true);
  expect(typeof e.message).toBe('string');
  expect(Array.isArray(e.fields)).toBe(true);
}

describe('Salesforce sim robustness', () => {
  it('answers every prefix of a complex SOQL statement with 200 or a known 400', async () => {
    const full =
      "SELECT Id, Name, (SELECT Id, StageName FROM Opportunities WHERE IsClosed = false ORDER BY CloseDate DESC NULLS LAST LIMIT 1) FROM Contact WHERE (Phone = '(415) 555-0100' OR MobilePhone IN ('a', 'b')) AND NOT DoNotCall = true AND SystemModstamp > 2024-05-01T00:00:00.000+0000 AND Name LIKE 'A%' ORDER BY LastName ASC, Id LIMIT 10 OFFSET 2";
    let ok = 0;
    for (let n = 1; n <= full.length; n += 3) {
      const { status, body } = await soql(full.slice(0, n));
      if (status === 200) ok++;
      else expectSfErrorBody(status, body);
    }
    expect((await soql(full)).status).toBe(200);
    expect(ok).toBeGreaterThan(0);
  });

  it('answers odd statements with known errors', async () => {
    const bad = [
      '',
      'SELECT',
      'SELECT FROM Contact',
      'SELECT Id FROM Contact WHERE',
      "SELECT Id FROM Contact WHERE Phone = 'unterminated",
      'SELECT Id FROM Contact WHERE Phone == 1',
      'SELECT Id FROM Contact LIMIT -1',
      'SELECT Id FROM Contact LIMIT abc',
      'SELECT Id FROM Contact WHERE Id IN ()',
      'SELECT Id FROM Contact WHERE CreatedDate > 2024-13-45T99:99:99Z',
      'SELECT Id FROM Contact WHERE CreatedDate > 2024-05-01',
      'SELECT Id FROM Contact WHERE LastName = 5',
      'SELECT Id, COUNT() FROM Contact',
      'SELECT Id FROM Contact WHERE LastName = :bind',
      'SELECT Account.Name FROM Contact',
      'SELECT Id, (SELECT Id FROM Nothing) FROM Contact',
      'SELECT Id FROM Contact GROUP BY LastName',
      'DELETE FROM Contact',
      'SELECT Id FROM Contact; DROP TABLE x',
      '\u0000\u0001',
    ];
    for (const q of bad) {
      const { status, body } = await soql(q);
      if (q === '') {
        expect(status).toBe(400);
        continue;
      }
      expectSfErrorBody(status, body);
    }
  });

  it('answers bad bodies, ids and paths with Salesforce error arrays', async () => {
    const cases: [string, RequestInit, number, string][] = [
      [`${base()}/sobjects/Contact`, { method: 'POST', body: '{not json' }, 400, 'JSON_PARSER_ERROR'],
      [`${base()}/sobjects/Contact`, { method: 'POST', body: '[1,2]' }, 400, 'JSON_PARSER_ERROR'],
      [`${base()}/sobjects/Contact`, { method: 'POST', body: '{"LastName": {"nested": 1}}' }, 400, 'JSON_PARSER_ERROR'],
      [`${base()}/sobjects/Task`, { method: 'POST', body: '{"WhoId": "not-an-id"}' }, 400, 'MALFORMED_ID'],
      [
        `${base()}/sobjects/Task`,
        { method: 'POST', body: '{"WhoId": "003Dp0000000zzzAAA"}' },
        400,
        'INVALID_CROSS_REFERENCE_KEY',
      ],
      [
        `${base()}/sobjects/Task`,
        { method: 'POST', body: JSON.stringify({ Subject: 'x'.repeat(300) }) },
        400,
        'STRING_TOO_LONG',
      ],
      [`${base()}/sobjects/Widget`, { method: 'POST', body: '{}' }, 404, 'NOT_FOUND'],
      [`${base()}/sobjects/Contact/003Dp0000000zzzAAA`, { method: 'PATCH', body: '{}' }, 404, 'NOT_FOUND'],
      [`${base()}/composite/sobjects/Contact`, { method: 'POST', body: '{"ids": "x"}' }, 400, 'JSON_PARSER_ERROR'],
      [`${base()}/composite/sobjects`, { method: 'POST', body: '{"records": 1}' }, 400, 'JSON_PARSER_ERROR'],
      [`${base()}/composite/sobjects`, { method: 'DELETE' }, 405, 'METHOD_NOT_ALLOWED'],
      [`${sim.url}/services/data/latest/sobjects`, {}, 404, 'NOT_FOUND'],
      [`${base()}/search?q=${encodeURIComponent('FIND {x')}`, {}, 400, 'MALFORMED_SEARCH'],
      [`${base()}/search?q=${encodeURIComponent('FIND {4155550100} RETURNING Widget')}`, {}, 400, 'INVALID_TYPE'],
    ];
    for (const [url, init, status, code] of cases) {
      const res = await fetch(url, { ...init, headers: { ...auth, 'content-type': 'application/json' } });
      const body = (await res.json()) as { errorCode: string }[];
      expect([url, res.status, body[0]?.errorCode]).toEqual([url, status, code]);
      expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=/);
    }
    // Still serving.
    expect((await soql('SELECT COUNT() FROM Contact')).body).toMatchObject({ totalSize: 20 });
  });

  it('honours Sforce-Query-Options batchSize (200..2000)', async () => {
    const big = await startSalesforceSim({
      port: 0,
      contacts: 450,
      latency: { medianMs: 0, jitterMs: 0 },
      staticAccessTokens: [token],
    });
    try {
      const res = await fetch(
        `${big.url}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
        {
          headers: { ...auth, 'sforce-query-options': 'batchSize=50' },
        },
      );
      const body = (await res.json()) as { records: unknown[]; done: boolean; totalSize: number };
      // 50 is below Salesforce's minimum of 200, so 200 it is.
      expect([body.records.length, body.done, body.totalSize]).toEqual([200, false, 450]);
    } finally {
      await big.close();
    }
  });
});
