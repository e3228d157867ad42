import type { Database, Queryable } from '../../../shared/db.js';

/**
 * The mirror of external do-not-call registries (National DNC per area code, state lists).
 * Imports stream numbers in batches through a staging table inside one transaction, so readers
 * see either the old list or the new one, and memory stays bounded by the batch size.
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
    await tx.query('CREATE TEMP TABLE IF NOT EXISTS dnc_staging (e164 text NOT NULL, area_code text NOT NULL) ON COMMIT DELETE ROWS');
    let numbers = 0;
    await feed({
      async add(e164s) {
        if (e164s.length === 0) return;
        await tx.query('INSERT INTO dnc_staging (e164, area_code) SELECT n, substr(n, 3, 3) FROM unnest($1::text[]) AS n', [e164s]);
        numbers += e164s.length;
      },
    });
    const seen = await tx.query<{ area_code: string }>('SELECT DISTINCT area_code FROM dnc_staging');
    const areaCodes = [...new Set([...seen.rows.map((r) => r.area_code), ...(spec.areaCodes ?? [])])].sort();
    let removed = 0;
    if (spec.mode === 'full') {
      const del = await tx.query('DELETE FROM dnc_registry WHERE list = $1 AND area_code = ANY($2::text[])', [spec.list, areaCodes]);
      removed = del.rowCount;
      await tx.query(
        'INSERT INTO dnc_registry (list, e164, area_code) SELECT DISTINCT $1::text, e164, area_code FROM dnc_staging ON CONFLICT DO NOTHING',
        [spec.list],
      );
    } else if (spec.mode === 'add') {
      await tx.query(
        'INSERT INTO dnc_registry (list, e164, area_code) SELECT DISTINCT $1::text, e164, area_code FROM dnc_staging ON CONFLICT DO NOTHING',
        [spec.list],
      );
    } else {
      const del = await tx.query('DELETE FROM dnc_registry r USING dnc_staging s WHERE r.list = $1 AND r.e164 = s.e164', [spec.list]);
      removed = del.rowCount;
    }
    // State lists are not per area code: one sync row ('*') for the whole list. A change list
    // brings every subscribed area code of the list up to its download date.
    const syncCodes = spec.list === 'national' ? areaCodes : ['*'];
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
    return { numbers, areaCodes, removed };
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
