import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnEntry, type SpawnedService } from '../support/processes.js';
import { freePortEnv } from '../support/free-ports.js';

// `npm start` either serves the whole system or nothing: a part that cannot start (its port held
// by another program, a bad setting) stops the command with a message naming the part, a non-zero
// exit, and the gateway never comes up in front of a half-built system.

describe('npm start fails fast and honestly', () => {
  const spawned: SpawnedService[] = [];
  const held: net.Server[] = [];
  afterAll(async () => {
    for (const s of spawned) s.kill();
    for (const h of held) await new Promise<void>((r) => h.close(() => r()));
  });

  it('exits non-zero naming the part whose port is taken, and never starts the gateway', async () => {
    const ports = await freePortEnv();
    // Another program holds the consent port.
    const squatter = net.createServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nno'));
    await new Promise<void>((resolve) => squatter.listen(Number(ports.CONSENT_SUBGRAPH_PORT), '127.0.0.1', resolve));
    held.push(squatter);
    const start = spawnEntry('scripts/start.ts', { ...ports, SIM_CONTACTS: '50', LOG_LEVEL: 'warn' });
    spawned.push(start);
    const { code } = await start.exited;
    const output = start.output();
    expect(code).not.toBe(0);
    expect(output).toMatch(
      new RegExp(`consent.*port ${ports.CONSENT_SUBGRAPH_PORT} is already in use.*CONSENT_SUBGRAPH_PORT`, 's'),
    );
    expect(output).not.toContain('dialplane is running');
    expect(output).not.toMatch(/EADDRINUSE[\s\S]*\n\s+at /); // a message, not a raw stack
    // Nothing was left listening on the gateway's port.
    await expect(fetch(`http://127.0.0.1:${ports.GATEWAY_PORT}/healthz`)).rejects.toThrow();
  }, 240_000);

  it('exits non-zero naming the part and the variable when a setting is invalid', async () => {
    const ports = await freePortEnv();
    const start = spawnEntry('scripts/start.ts', {
      ...ports,
      SIM_CONTACTS: '50',
      LOG_LEVEL: 'warn',
      WRITEBACK_MAX_ATTEMPTS: 'many',
    });
    spawned.push(start);
    const { code } = await start.exited;
    expect(code).not.toBe(0);
    expect(start.output()).toMatch(/engagement[^\n]*could not start[\s\S]*WRITEBACK_MAX_ATTEMPTS/);
    expect(start.output()).not.toContain('dialplane is running');
  }, 240_000);
});
