import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, signIdentity, streamBinding } from '../../shared/identity.js';
import { startRndSim, type RndSim } from '../../sim/rnd/server.js';
import { uploadDncFile, type UploadOptions } from '../../subgraphs/consent/admin/dnc-import-client.js';
import { startStack, STACK_INTERNAL_SECRET, type Stack } from '../support/stack.js';

/**
 * Issue 11 end to end, on the embedded stack (in-memory PGlite, as `npm start`): registry files
 * loaded through the running service change decisions; the import door refuses anyone but an
 * admin/compliance caller before reading the file; the CLI's papercuts; the RND simulator feeds
 * the running service.
 */
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'dnc-stack-'));
const file = (name: string, lines: string[]) => {
  const p = path.join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
};
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();
// Tomorrow 17:00 UTC: daytime in every continental zone, so calling hours never interfere.
const AT = new Date(Math.ceil(Date.now() / DAY) * DAY + 17 * 3_600_000).toISOString();

let stack: Stack;
let rnd: RndSim;
beforeAll(async () => {
  rnd = await startRndSim({ port: 0, disconnected: { '2125550301': '2026-03-01' }, noData: ['2125550302'] });
  stack = await startStack({ env: { RND_URL: rnd.url } });
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await rnd?.close();
});

async function gateway(query: string, variables: Record<string, unknown>, token = stack.tokens.agent) {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

const PERMISSION = `query($phone: String!, $at: DateTime) { callPermission(phone: $phone, purpose: MARKETING, at: $at) {
  allowed reasons suppressionLists { list downloadedAt } reassignedCheck { result version } } }`;
const permission = async (phone: string) => {
  const r = await gateway(PERMISSION, { phone, at: AT });
  expect(r.errors).toBeUndefined();
  return r.data!.callPermission as {
    allowed: boolean;
    reasons: string[];
    suppressionLists: { list: string; downloadedAt: string | null }[];
    reassignedCheck: { result: string; version: string } | null;
  };
};
const cli = (args: string[], env: Record<string, string> = {}) =>
  run('npx', ['tsx', 'scripts/dnc-import.ts', ...args], {
    env: {
      ...process.env,
      GATEWAY_URL: stack.gatewayUrl,
      DIALPLANE_TOKEN: stack.tokens.admin,
      LOG_LEVEL: 'silent',
      ...env,
    },
    timeout: 60_000,
  });
/** The CLI's own client, in-process (each CLI spawn costs seconds): same HTTP door, same stream. */
const upload = (o: Omit<UploadOptions, 'gatewayUrl' | 'token' | 'downloadedAt'> & { downloadedAt: string }) =>
  uploadDncFile({
    gatewayUrl: stack.gatewayUrl,
    token: stack.tokens.admin,
    ...o,
    downloadedAt: new Date(o.downloadedAt),
  });
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return error as { code: number; stderr: string };
  }
  throw new Error('expected the command to fail');
};

describe('registry files through the running embedded service', () => {
  it('a national full file, a state change file and a litigator list change decisions; the list date is shown', async () => {
    const listed = '+12125550201';
    const before = await permission(listed);
    expect(before.reasons).toContain('DNC_DATA_STALE');
    expect(before.suppressionLists).toContainEqual({ list: 'national', downloadedAt: null });

    const downloadedAt = daysAgo(1);
    const { stdout, stderr } = await cli([
      file('national.txt', ['2125550201', '212,5550202', 'junk']),
      '--list',
      'national',
      '--mode',
      'full',
      '--downloaded-at',
      downloadedAt,
    ]);
    expect(JSON.parse(stdout.trim())).toMatchObject({
      list: 'national',
      mode: 'full',
      numbers: 2,
      rejected: 1,
      areaCodes: 1,
      via: 'service',
    });
    expect(stderr).toMatch(/100%\s+2 numbers/);
    const after = await permission(listed);
    expect(after.reasons).toContain('NATIONAL_DNC');
    expect(after.reasons).not.toContain('DNC_DATA_STALE');
    expect(after.suppressionLists).toContainEqual({
      list: 'national',
      downloadedAt: new Date(downloadedAt).toISOString(),
    });

    // A state change list (TX: Dallas number) and the litigator list.
    const progress: number[] = [];
    await upload({
      file: file('tx.txt', ['2145550203']),
      list: 'state:TX',
      mode: 'add',
      downloadedAt,
      onProgress: (p) => progress.push(p.numbers),
    });
    expect(progress.at(-1)).toBe(1);
    await upload({
      file: file('national-214.txt', []),
      list: 'national',
      mode: 'full',
      areaCodes: ['214'],
      downloadedAt,
    });
    expect((await permission('+12145550203')).reasons).toContain('STATE_DNC');
    await upload({ file: file('litigators.txt', ['2125550204']), list: 'litigator', mode: 'full', downloadedAt });
    expect((await permission('+12125550204')).reasons).toContain('KNOWN_LITIGATOR');
  }, 90_000);

  it('an older full file is refused without --force; with it, the data is as old as the file', async () => {
    const older = daysAgo(40);
    const refused = upload({
      file: file('older.txt', ['2125550299']),
      list: 'national',
      mode: 'full',
      downloadedAt: older,
    });
    await expect(refused).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/newer than this file.*--force/),
    });
    expect((await permission('+12125550201')).reasons).toContain('NATIONAL_DNC');

    await upload({
      file: file('older.txt', ['2125550299']),
      list: 'national',
      mode: 'full',
      downloadedAt: older,
      force: true,
    });
    const forced = await permission('+12125550201');
    expect(forced.reasons).not.toContain('NATIONAL_DNC');
    expect(forced.reasons).toContain('DNC_DATA_STALE');
    expect(forced.suppressionLists).toContainEqual({ list: 'national', downloadedAt: new Date(older).toISOString() });
  }, 90_000);

  it('CLI papercuts: npm swallowing the flags and unknown lists are refused before anything is loaded', async () => {
    const input = file('tx2.txt', ['2145550210']);
    // Without npm's `--`, npm eats --list/--mode: the script must refuse, not run a national full import.
    const swallowed = await failure(
      run('npm', ['run', '--silent', 'dnc:import', input, '--list', 'state:TX', '--mode', 'add'], {
        env: { ...process.env, GATEWAY_URL: stack.gatewayUrl, DIALPLANE_TOKEN: stack.tokens.admin },
        timeout: 60_000,
      }),
    );
    expect(swallowed.code).toBe(2);
    expect(swallowed.stderr).toMatch(/put "--" before the file/);
    const zz = await failure(cli([input, '--list', 'state:ZZ']));
    expect(zz.code).toBe(2);
    expect(zz.stderr).toMatch(/unknown list "state:ZZ".*CO, FL, IN, LA, MA, MO, OK, PA, TN, TX, WY/);
    expect(zz.stderr).toMatch(/mode: required/);
  }, 90_000);
});

describe('the import door (attack tests over real HTTP)', () => {
  const url = () =>
    new URL(
      '/admin/dnc-import?list=national&mode=full&downloadedAt=' + encodeURIComponent(daysAgo(0.5)),
      stack.gatewayUrl,
    );
  const post = (target: URL, headers: Record<string, string>) =>
    fetch(target, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: '2125550201\n' });

  it('refuses anonymous, forged and agent callers at the gateway, and direct calls to the subgraph', async () => {
    expect((await post(url(), {})).status).toBe(401);
    expect((await post(url(), { authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    const agent = await post(url(), { authorization: `Bearer ${stack.tokens.agent}` });
    expect(agent.status).toBe(403);
    expect(await agent.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const direct = new URL('/admin/dnc-import' + url().search, stack.urls.consent);
    expect((await post(direct, {})).status).toBe(401);
    const forgedAgent = await post(direct, {
      [IDENTITY_HEADER]: signIdentity({ sub: 'x', roles: ['agent'] }, STACK_INTERNAL_SECRET, {
        body: streamBinding('POST', direct.pathname + direct.search),
      }),
    });
    expect(forgedAgent.status).toBe(403);
    const wrongSecret = await post(direct, {
      [IDENTITY_HEADER]: signIdentity({ sub: 'x', roles: ['admin'] }, 'another-secret-0123456789abcdef0123', {
        body: streamBinding('POST', direct.pathname + direct.search),
      }),
    });
    expect(wrongSecret.status).toBe(401);
    // An admin header signed for other import parameters does not open this import.
    const moved = await post(direct, {
      [IDENTITY_HEADER]: signIdentity({ sub: 'x', roles: ['admin'] }, STACK_INTERNAL_SECRET, {
        body: streamBinding('POST', '/admin/dnc-import?list=litigator&mode=add&downloadedAt=2026-01-01T00:00:00Z'),
      }),
    });
    expect(moved.status).toBe(401);
    // None of them loaded anything: the number is still not listed (the forced older file is the data).
    expect((await permission('+12125550201')).reasons).not.toContain('NATIONAL_DNC');
  });

  it('rejects bad parameters with a typed error', async () => {
    const bad = new URL(
      '/admin/dnc-import?list=state:ZZ&mode=full&downloadedAt=2026-01-01T00:00:00Z',
      stack.gatewayUrl,
    );
    const r = await post(bad, { authorization: `Bearer ${stack.tokens.admin}` });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', field: 'list' } });
  });
});

describe('the Reassigned Numbers Database feeds the running service', () => {
  const RECORD = 'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { created } }';
  const consent = (phone: string) => ({
    phone,
    consentType: 'WRITTEN',
    purposes: ['MARKETING'],
    sellers: ['demo-seller'],
    coversArtificialVoice: true,
    disclosure: { version: 'v3', hash: 'sha256:ab12', notConditionOfPurchase: true },
    evidence: { source: 'web-form', signatureMethod: 'checkbox-esign', ipAddress: '203.0.113.9' },
    occurredAt: '2026-01-10T15:00:00Z',
  });

  it('yes -> NUMBER_REASSIGNED, no data -> RND_NO_DATA, no -> neither; answers are kept per (number, consent date)', async () => {
    for (const phone of ['+12125550301', '+12125550302', '+12125550303'])
      expect((await gateway(RECORD, { input: consent(phone) })).errors).toBeUndefined();
    const reassigned = await permission('+12125550301');
    expect(reassigned.reasons).toContain('NUMBER_REASSIGNED');
    expect(reassigned.reassignedCheck).toMatchObject({ result: 'YES', version: expect.stringMatching(/^rnd:/) });
    expect((await permission('+12125550302')).reasons).toContain('RND_NO_DATA');
    const clean = await permission('+12125550303');
    expect(clean.reasons).not.toContain('RND_NO_DATA');
    expect(clean.reasons).not.toContain('NUMBER_REASSIGNED');
    const asked = rnd.queries;
    await permission('+12125550303');
    await permission('+12125550301');
    expect(rnd.queries).toBe(asked);
  });
});
