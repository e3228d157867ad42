import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnEntry, timeToExit, type SpawnedService } from '../support/processes.js';
import { jsonLogLines, serviceKeyCount } from '../support/log-lines.js';
import { freePortEnv } from '../support/free-ports.js';
import { KeyPrefix, salesforceId } from '../../sim/data/salesforce-ids.js';
import { hubspotId } from '../../sim/data/hubspot-ids.js';

// What a new user sees after `npm start`: a banner that says what is really running, commands that
// can be pasted into a shell as printed, logs with one service key a line, and a clean exit on SIGTERM.
describe('npm start, as a new user sees it', () => {
  let start: SpawnedService | undefined;
  afterAll(() => start?.kill());

  it('prints an honest banner with pasteable commands, logs cleanly, and stops on SIGTERM', async () => {
    const ports = await freePortEnv();
    start = spawnEntry('scripts/start.ts', { ...ports, SIM_CONTACTS: '50', LOG_LEVEL: 'info' });
    await start.waitFor(/Try it:[\s\S]*primaryPhone/, 200_000);
    const output = start.output();
    expect(output).toContain(
      'dialplane is running (in-process event bus and cache; embedded in-memory PGlite (lost on exit))',
    );
    expect(output).toContain(`/explorer`);
    expect(output).toMatch(/Console: +http:\/\/127\.0\.0\.1:\d+\/console/);
    // Every "Try it" line is valid shell as printed (bash -n parses without running).
    const tryIt = output
      .slice(output.indexOf('Try it:') + 'Try it:'.length)
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim())
      .join('\n');
    expect(tryIt).toMatch(/^GATEWAY_URL=http/m);
    expect(tryIt).toMatch(/^TOKEN=ey/m);
    execFileSync('bash', ['-n'], { input: tryIt });
    // The stack on moved ports reaches its own parts (before, callers kept the default ports).
    const gatewayUrl = /^GATEWAY_URL=(\S+)/m.exec(tryIt)![1]!;
    const token = /^TOKEN=(\S+?);?$/m.exec(tryIt)![1]!;
    const answer = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ contactsByPhone(phone: "+14155550100") { id } }' }),
    });
    expect(await answer.json()).toMatchObject({
      data: {
        contactsByPhone: [{ id: expect.stringMatching(/^salesforce:/) }, { id: expect.stringMatching(/^hubspot:/) }],
      },
    });
    // The embedded demo's connections: two sellers, one per CRM each, each checked (a token and a
    // schema read) once created.
    const adminToken = /^ {2}admin +(\S+)$/m.exec(output)![1]!;
    const connections = async () =>
      (
        (await (
          await fetch(`${new URL(gatewayUrl).origin}/admin/connections`, {
            headers: { authorization: `Bearer ${adminToken}` },
          })
        ).json()) as { connections: { seller: string; crm: string; health: { lastSuccessAt: string | null } | null }[] }
      ).connections;
    expect((await connections()).map((c) => `${c.seller}/${c.crm}`).sort()).toEqual([
      'acme-seller/hubspot',
      'acme-seller/salesforce',
      'demo-seller/hubspot',
      'demo-seller/salesforce',
    ]);
    await expect.poll(async () => (await connections()).every((c) => c.health?.lastSuccessAt)).toBe(true);
    // Each seller reads its own CRM: the same record ids, asked by acme-seller's agent, answer from
    // acme-seller's own org and portal (another person), never demo-seller's record. Row 20 is a
    // generated contact (the demo contacts, rows 0..5, are planted in every account alike).
    const acmeToken = /^ {2}agent +(\S+) +\(acme-seller/m.exec(output)![1]!;
    const read = async (bearer: string, id: string) =>
      (
        (await (
          await fetch(gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
            body: JSON.stringify({
              query: 'query($id: ID!) { contact(id: $id) { id name { full } } }',
              variables: { id },
            }),
          })
        ).json()) as { data?: { contact: { id: string; name: { full: string | null } | null } | null } }
      ).data?.contact ?? null;
    for (const id of [`salesforce:${salesforceId(KeyPrefix.Contact, 20)}`, `hubspot:${hubspotId('contacts', 20)}`]) {
      const mine = await read(token, id);
      expect(mine?.name?.full, id).toBeTruthy();
      const theirs = await read(acmeToken, id);
      expect(theirs?.name?.full ?? null, id).not.toBe(mine!.name!.full);
    }
    const lines = jsonLogLines(output);
    expect(lines.length).toBeGreaterThan(3);
    for (const { raw } of lines) expect(serviceKeyCount(raw), raw).toBe(1);
    const { ms, code, killed } = await timeToExit(start, 'SIGTERM', 20_000);
    expect(killed).toBe(false);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  }, 260_000);
});
