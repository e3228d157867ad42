import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { importDncFile, parseDncLine } from '../../subgraphs/consent/dnc-file-import.js';
import { onEachDatabase } from './support/databases.js';
import { createTestDatabase } from '../support/services.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dnc-'));
const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const count = async (
  db: { query: (s: string, p?: unknown[]) => Promise<{ rows: { n: number }[] }> },
  list: string,
  ac: string,
) =>
  (await db.query('SELECT count(*)::int AS n FROM dnc_registry WHERE list = $1 AND area_code = $2', [list, ac]))
    .rows[0]!.n;

it('reads every registry line layout and rejects the rest', () => {
  expect(parseDncLine('2125550100')).toBe('+12125550100');
  expect(parseDncLine('212,5550100')).toBe('+12125550100');
  expect(parseDncLine('1-212-555-0100')).toBe('+12125550100');
  expect(parseDncLine('  <number>2125550100</number> ')).toBe('+12125550100');
  expect(parseDncLine('+1 (212) 555-0100')).toBe('+12125550100');
  for (const bad of ['212555010', '21255501000', '1125550100', '2121550100', 'areacode,number', 'abc'])
    expect(parseDncLine(bad)).toBeNull();
});

onEachDatabase('dnc import', (get) => {
  it('imports a full list in batches, replaces it, applies change lists, reads gzip and XML', async () => {
    const { db } = get();
    const numbers = Array.from({ length: 2_500 }, (_, i) => `212${String(2_000_000 + i)}`);
    const progress: number[] = [];
    const full = await importDncFile(db, file('full.txt', `${numbers.join('\n')}\nnot-a-number\n\n`), {
      list: 'national',
      mode: 'full',
      downloadedAt: new Date('2026-06-01T00:00:00Z'),
      batchSize: 1_000,
      onProgress: (p) => progress.push(p.numbers),
    });
    expect(full).toMatchObject({ numbers: 2_500, rejected: 1, areaCodes: ['212'] });
    expect(progress).toEqual([1_000, 2_000, 2_500]);
    expect(await count(db, 'national', '212')).toBe(2_500);

    // A new full list for 212 replaces the old one; gzip and areacode,number layout.
    const gz = file('full2.txt.gz', gzipSync(['212,3000000', '212,3000001', '305,5550100'].join('\n')));
    const again = await importDncFile(db, gz, {
      list: 'national',
      mode: 'full',
      downloadedAt: new Date('2026-06-08T00:00:00Z'),
    });
    expect(again).toMatchObject({ numbers: 3, removed: 2_500, areaCodes: ['212', '305'] });
    expect(await count(db, 'national', '212')).toBe(2);

    // Change lists: additions (XML) and deletions.
    await importDncFile(db, file('add.xml', '<?xml version="1.0"?>\n<list>\n<number>2124000000</number>\n</list>\n'), {
      list: 'national',
      mode: 'add',
      downloadedAt: new Date('2026-06-09T00:00:00Z'),
    });
    await importDncFile(db, file('del.txt', '2123000000\n'), {
      list: 'national',
      mode: 'delete',
      downloadedAt: new Date('2026-06-10T00:00:00Z'),
    });
    const rows = await db.query<{ e164: string }>(
      "SELECT e164 FROM dnc_registry WHERE list = 'national' AND area_code = '212' ORDER BY e164",
    );
    expect(rows.rows.map((r) => r.e164)).toEqual(['+12123000001', '+12124000000']);
    const sync = await db.query<{ area_code: string; downloaded_at: Date }>(
      "SELECT area_code, downloaded_at FROM dnc_sync WHERE list = 'national' ORDER BY area_code",
    );
    expect(sync.rows.map((r) => [r.area_code, r.downloaded_at.toISOString()])).toEqual([
      ['212', '2026-06-10T00:00:00.000Z'],
      ['305', '2026-06-10T00:00:00.000Z'],
    ]);
  });

  it('state lists carry one sync date for the whole list', async () => {
    const { db } = get();
    await importDncFile(db, file('fl.txt', '3055550111\n8505550111\n'), {
      list: 'state:FL',
      mode: 'full',
      downloadedAt: new Date('2026-06-02T00:00:00Z'),
    });
    const sync = await db.query<{ area_code: string }>("SELECT area_code FROM dnc_sync WHERE list = 'state:FL'");
    expect(sync.rows).toEqual([{ area_code: '*' }]);
  });
});

it('npm run dnc:import --direct loads a database with no service running, with a progress bar on stderr', async () => {
  // PostgreSQL when the server is there (a PGlite data dir costs ~15 s of initdb on a busy machine).
  const pg = inject('postgresAvailable') ? await createTestDatabase('dnc_cli') : null;
  const target = pg ? { DATABASE_URL: pg.url, DATA_DIR: '' } : { DATA_DIR: path.join(dir, 'pglite'), DATABASE_URL: '' };
  const input = file('cli.txt', Array.from({ length: 100 }, (_, i) => `404${String(5_550_000 + i)}`).join('\n'));
  const { stdout, stderr } = await promisify(execFile)(
    'npx',
    [
      'tsx',
      'scripts/dnc-import.ts',
      input,
      '--direct',
      '--list',
      'national',
      '--mode',
      'full',
      '--downloaded-at',
      '2026-06-01T00:00:00Z',
    ],
    { env: { ...process.env, ...target, LOG_LEVEL: 'silent' }, timeout: 55_000 },
  ).finally(() => pg?.drop());
  expect(JSON.parse(stdout.trim())).toMatchObject({
    list: 'national',
    mode: 'full',
    numbers: 100,
    rejected: 0,
    areaCodes: 1,
  });
  expect(stderr).toMatch(/\[#+\] 100%\s+100 numbers/);
}, 60_000);
