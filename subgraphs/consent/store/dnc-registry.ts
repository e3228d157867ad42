import type { Database, Queryable } from '../../../shared/db.js';

/**
 * The mirror of external do-not-call registries (National DNC per area code, state lists).
 * Imports stream numbers in batches inside one transaction, so readers see either the old list or
 * the new one, and memory stays bounded by the batch size.
 */

export type ImportMode = 'full' | 'add' | 'delete';

export interface RegistryImport {
  /** `national` or `state:XX`. */
  list: string;
  mode: ImportMode;
  downloadedAt: Date;
  /** Area codes the file covers even if it lists no number for them (full lists). */
  areaCodes?: string[];
}

export interface ImportResult {
  numbers: number;
  areaCodes: string[];
  removed: number;
}

/** One registry import: call `add(batch)` for each batch of E.164 numbers, then `finish()`. */
export interface RegistryImportSession {
  add(e164s: string[]): Promise<void>;
}

export function listName(value: string): string {
  if (value === 'national') return value;
  const m = /^state:([A-Za-z]{2})$/.exec(value);
  if (!m) throw new Error(`unknown list "${value}": use national or state:XX`);
  return `state:${m[1]!.toUpperCase()}`;
}

export async function importRegistry(
  db: Database,
  spec: RegistryImport,
  feed: (session: RegistryImportSession) => Promise<void>,
): Promise<ImportResult> {
  return db.transaction(async (tx) => {
    let numbers = 0;
    let removed = 0;
    // Area codes seen so far (at most ~400 in NANP): a full list clears each one the first time it
    // appears, then its numbers go straight into the table, batch by batch.
    const areaCodes = new Set<string>();
    const clear = async (codes: string[]) => {
      const fresh = codes.filter((c) => !areaCodes.has(c));
      for (const c of fresh) areaCodes.add(c);
      if (spec.mode === 'full' && fresh.length > 0) {
        const del = await tx.query('DELETE FROM dnc_registry WHERE list = $1 AND area_code = ANY($2::text[])', [spec.list, fresh]);
        removed += del.rowCount;
      }
    };
    await clear(spec.areaCodes ?? []);
    await feed({
      async add(e164s) {
        if (e164s.length === 0) return;
        await clear([...new Set(e164s.map((n) => n.slice(2, 5)))]);
        if (spec.mode === 'delete') {
          const del = await tx.query('DELETE FROM dnc_registry WHERE list = $1 AND e164 = ANY($2::text[])', [spec.list, e164s]);
          removed += del.rowCount;
        } else {
          await tx.query(
            'INSERT INTO dnc_registry (list, e164, area_code) SELECT $1::text, n, substr(n, 3, 3) FROM unnest($2::text[]) AS n ON CONFLICT DO NOTHING',
            [spec.list, e164s],
          );
        }
        numbers += e164s.length;
      },
    });
    const codes = [...areaCodes].sort();
    // State lists are not per area code: one sync row ('*') for the whole list. A change list
    // brings every subscribed area code of the list up to its download date.
    const syncCodes = spec.list === 'national' ? codes : ['*'];
    await tx.query(
      `INSERT INTO dnc_sync (list, area_code, downloaded_at, kind) SELECT $1::text, c, $2::timestamptz, $3::text FROM unnest($4::text[]) AS c
       ON CONFLICT (list, area_code) DO UPDATE SET downloaded_at = GREATEST(dnc_sync.downloaded_at, EXCLUDED.downloaded_at),
         imported_at = now(), kind = EXCLUDED.kind`,
      [spec.list, spec.downloadedAt, spec.mode, syncCodes],
    );
    if (spec.mode !== 'full' && spec.list === 'national') {
      await tx.query('UPDATE dnc_sync SET downloaded_at = GREATEST(downloaded_at, $2), imported_at = now() WHERE list = $1', [
        spec.list,
        spec.downloadedAt,
      ]);
    }
    return { numbers, areaCodes: codes, removed };
  });
}

/** Marks lists as downloaded without numbers (tests, or an empty state list). */
export async function markSynced(db: Queryable, list: string, areaCode: string, downloadedAt: Date): Promise<void> {
  await db.query(
    `INSERT INTO dnc_sync (list, area_code, downloaded_at, kind) VALUES ($1, $2, $3, 'full')
     ON CONFLICT (list, area_code) DO UPDATE SET downloaded_at = EXCLUDED.downloaded_at, imported_at = now()`,
    [list, areaCode, downloadedAt],
  );
}
