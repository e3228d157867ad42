import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

/**
 * `npm run rnd:import`: a bulk FCC RND result file loaded into the running embedded stack (no RND
 * configured, so only the file can tell) changes decisions: yes -> NUMBER_REASSIGNED, no data ->
 * RND_NO_DATA, no -> neither, each with the file as its source; bad lines are counted, the header
 * skipped; without npm's `--` the CLI refuses and its usage shows the `--`.
 */
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'rnd-import-'));
const DAY = 86_400_000;
const AT = new Date(Math.ceil(Date.now() / DAY) * DAY + 17 * 3_600_000).toISOString();
const CONSENT_DAY = '2026-03-01';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

async function gateway(query: string, variables: Record<string, unknown>, token = stack.tokens.agent) {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string }[] };
}
const PERMISSION = `query($phone: String!, $at: DateTime) { callPermission(phone: $phone, purpose: MARKETING, at: $at) { reasons reassignedCheck { result version } } }`;
const permission = async (phone: string) => {
  const r = await gateway(PERMISSION, { phone, at: AT });
  expect(r.errors).toBeUndefined();
  return r.data!.callPermission as { reasons: string[]; reassignedCheck: { result: string; version: string } | null };
};
const RECORD = 'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { created } }';
const consent = (phone: string) => ({
  phone,
  consentType: 'WRITTEN',
  purposes: ['MARKETING'],
  sellers: ['demo-seller'],
  coversArtificialVoice: true,
  disclosure: { version: 'v3', hash: 'sha256:ab12', notConditionOfPurchase: true },
  evidence: { source: 'web-form', signatureMethod: 'checkbox-esign', ipAddress: '203.0.113.9' },
  // The RND is asked about a day; the file's answers are for this consent's day.
  occurredAt: `${CONSENT_DAY}T00:00:00Z`,
});
const cli = (args: string[], env: Record<string, string> = {}) =>
  run('npx', ['tsx', 'scripts/rnd-import.ts', ...args], {
    env: { ...process.env, GATEWAY_URL: stack.gatewayUrl, DIALPLANE_TOKEN: stack.tokens.admin, ...env },
    timeout: 60_000,
  });

describe('npm run rnd:import', () => {
  it('loads a result file through the running service and the decisions use its answers', async () => {
    const phones = { yes: '+13125550411', noData: '+13125550412', no: '+13125550413' };
    for (const phone of Object.values(phones))
      expect((await gateway(RECORD, { input: consent(phone) })).errors).toBeUndefined();
    // No RND configured: before the file, nothing is known.
    expect((await permission(phones.no)).reasons).toContain('RND_NO_DATA');

    const file = path.join(dir, 'rnd-results-2026-12.csv');
    writeFileSync(
      file,
      [
        'tn,date,result',
        `3125550411,${CONSENT_DAY},yes`,
        `3125550412,${CONSENT_DAY},no data`,
        `"3125550413",${CONSENT_DAY},No`,
        'not,a,line',
        '',
      ].join('\n'),
    );
    const { stdout } = await cli([file, '--batch-size', '2']);
    expect(JSON.parse(stdout)).toMatchObject({
      source: 'rnd-file:rnd-results-2026-12.csv',
      recorded: 3,
      rejected: 1,
      batches: 2,
      via: 'service',
    });

    const yes = await permission(phones.yes);
    expect(yes.reasons).toContain('NUMBER_REASSIGNED');
    expect(yes.reassignedCheck).toEqual({ result: 'YES', version: 'rnd-file:rnd-results-2026-12.csv' });
    expect((await permission(phones.noData)).reasons).toContain('RND_NO_DATA');
    const no = await permission(phones.no);
    expect(no.reasons).not.toContain('RND_NO_DATA');
    expect(no.reasons).not.toContain('NUMBER_REASSIGNED');
  });

  it('refuses a caller that is not admin or compliance, and flags npm swallowed (usage shows the --)', async () => {
    const file = path.join(dir, 'one.csv');
    writeFileSync(file, `3125550414,${CONSENT_DAY},yes\n`);
    const refused = await cli([file], { DIALPLANE_TOKEN: stack.tokens.agent }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('[FORBIDDEN]');

    const swallowed = await cli([file], { npm_config_source: 'x' }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(swallowed?.code).toBe(2);
    expect(swallowed?.stderr).toContain('usage: npm run rnd:import -- <file>');
    expect(swallowed?.stderr).toContain('npm swallowed --source');
  });
});
