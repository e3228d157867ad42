import type { Database, Queryable } from '../../../shared/db.js';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';
import { currentPolicy, type CompliancePolicy } from '../policy/index.js';

/**
 * The mirror of external do-not-call registries (National DNC per area code, state lists) and of
 * internal suppression lists kept the same way (the known-litigator list). Imports stream numbers
 * in batches inside one transaction, so readers see either the old list or the new one, and memory
 * stays bounded by the batch size.
 */

export type ImportMode = 'full' | 'add' | 'delete';

/** Internal suppression lists loaded from files like the registries (not time-limited, never stale). */
export const INTERNAL_LISTS = ['litigator'] as const;

export interface RegistryImport {
  /** `national`, `state:XX` (a state with a DNC list in the policy) or `litigator`. */
  list: string;
  mode: ImportMode;
  downloadedAt: Date;
  /** Area codes the file covers even if it lists no number for them (full lists). */
  areaCodes?: string[];
  /** Load a file older than the data already loaded (its date then becomes the list's date). */
  force?: boolean;
}

export interface ImportResult {
  numbers: number;
  areaCodes: string[];
  removed: number;
}

/** One registry import: call `add(batch)` for each batch of E.164 numbers. */
export interface RegistryImportSession {
  add(e164s: string[]): Promise<void>;
}

/** States whose own DNC list the policy applies (D3); only these are importable as `state:XX`. */
export function stateDncStates(policy: CompliancePolicy = currentPolicy): string[] {
  return Object.entries(policy.states)
    .filter(([, rule]) => rule.stateDnc)
    .map(([code]) => code)
    .sort();
}

/** `national`, `litigator` or `state:XX` for a state the policy has a DNC list for; a typed BAD_USER_INPUT otherwise. */
export function registryListName(value: string, policy: CompliancePolicy = currentPolicy): string {
  if (value === 'national' || (INTERNAL_LISTS as readonly string[]).includes(value)) return value;
  const states = stateDncStates(policy);
  const m = /^state:([A-Za-z]{2})$/.exec(value);
  if (!m || !states.includes(m[1]!.toUpperCase())) {
    throw new DialplaneError(
      ErrorCode.BAD_USER_INPUT,
      `unknown list "${value}": use national, ${INTERNAL_LISTS.join(', ')} or state:XX for a state with a DNC list (${states.join(', ')})`,
      { field: 'list' },
    );
  }
  return `state:${m[1]!.toUpperCase()}`;
}

/** National data is dated per area code; state and internal lists have one date for the whole list ('*'). */
const perAreaCode = (list: string) => list === 'national';

export async function importRegistry(
  db: Database,
  spec: RegistryImport,
  feed: (session: RegistryImportSession) => Promise<void>,
): Promise<ImportResult> {
  const list = registryListName(spec.list);
  if (list !== spec.list)
    throw new DialplaneError(ErrorCode.BAD_USER_INPUT, `list "${spec.list}" must be written ${list}`, {
      field: 'list',
    });
  return db.transaction(async (tx) => {
    let numbers = 0;
    let removed = 0;
    /** Refuses (CONFLICT, rolling everything back) data older than what is loaded, unless forced. */
    const refuseOlder = async (codes: string[]) => {
      if (spec.force || codes.length === 0) return;
      const newer = await tx.query<{ area_code: string; downloaded_at: Date }>(
        'SELECT area_code, downloaded_at FROM dnc_sync WHERE list = $1 AND area_code = ANY($2::text[]) AND downloaded_at > $3 ORDER BY area_code LIMIT 5',
        [list, codes, spec.downloadedAt],
      );
      const first = newer.rows[0];
      if (first) {
        throw new DialplaneError(
          ErrorCode.CONFLICT,
          `${list}${first.area_code === '*' ? '' : ` area code ${newer.rows.map((r) => r.area_code).join(', ')}`}: the loaded data is dated ${new Date(first.downloaded_at).toISOString()}, newer than this file (${spec.downloadedAt.toISOString()}); pass --force to load the older file`,
          { list, loadedAt: new Date(first.downloaded_at).toISOString(), fileAt: spec.downloadedAt.toISOString() },
        );
      }
    };
    if (!perAreaCode(list)) await refuseOlder(['*']);
    // Area codes seen so far (at most ~400 in NANP): a full list clears each one the first time it
    // appears, then its numbers go straight into the table, batch by batch.
    const areaCodes = new Set<string>();
    const clear = async (codes: string[]) => {
      const fresh = codes.filter((c) => !areaCodes.has(c));
      if (fresh.length === 0) return;
      if (perAreaCode(list)) await refuseOlder(fresh);
      for (const c of fresh) areaCodes.add(c);
      if (spec.mode === 'full') {
        const del = await tx.query('DELETE FROM dnc_registry WHERE list = $1 AND area_code = ANY($2::text[])', [
          list,
          fresh,
        ]);
        removed += del.rowCount;
      }
    };
    await clear(spec.areaCodes ?? []);
    await feed({
      async add(e164s) {
        if (e164s.length === 0) return;
        await clear([...new Set(e164s.map((n) => n.slice(2, 5)))]);
        if (spec.mode === 'delete') {
          const del = await tx.query('DELETE FROM dnc_registry WHERE list = $1 AND e164 = ANY($2::text[])', [
            list,
            e164s,
          ]);
          removed += del.rowCount;
        } else {
          await tx.query(
            'INSERT INTO dnc_registry (list, e164, area_code) SELECT $1::text, n, substr(n, 3, 3) FROM unnest($2::text[]) AS n ON CONFLICT DO NOTHING',
            [list, e164s],
          );
        }
        numbers += e164s.length;
      },
    });
    const codes = [...areaCodes].sort();
    const syncCodes = perAreaCode(list) ? codes : ['*'];
    // A full list's data is as old as the file, older or newer than what it replaces (a forced
    // older file makes the data look as old as it is). A change list brings the data up to its
    // date, never back.
    await tx.query(
      `INSERT INTO dnc_sync (list, area_code, downloaded_at, kind) SELECT $1::text, c, $2::timestamptz, $3::text FROM unnest($4::text[]) AS c
       ON CONFLICT (list, area_code) DO UPDATE SET downloaded_at = ${spec.mode === 'full' ? 'EXCLUDED.downloaded_at' : 'GREATEST(dnc_sync.downloaded_at, EXCLUDED.downloaded_at)'},
         imported_at = now(), kind = EXCLUDED.kind`,
      [list, spec.downloadedAt, spec.mode, syncCodes],
    );
    if (spec.mode !== 'full' && perAreaCode(list)) {
      // A national change list covers every subscribed area code of the list.
      await tx.query(
        'UPDATE dnc_sync SET downloaded_at = GREATEST(downloaded_at, $2), imported_at = now() WHERE list = $1',
        [list, spec.downloadedAt],
      );
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

/** What is loaded: one row per list and dated scope (area code, or '*' for a whole list). */
export interface RegistryStatusRow {
  list: string;
  areaCode: string;
  downloadedAt: Date;
  importedAt: Date;
  kind: ImportMode;
}

export async function registryStatus(db: Queryable): Promise<RegistryStatusRow[]> {
  const r = await db.query<{
    list: string;
    area_code: string;
    downloaded_at: Date;
    imported_at: Date;
    kind: ImportMode;
  }>('SELECT list, area_code, downloaded_at, imported_at, kind FROM dnc_sync ORDER BY list, area_code');
  return r.rows.map((x) => ({
    list: x.list,
    areaCode: x.area_code,
    downloadedAt: new Date(x.downloaded_at),
    importedAt: new Date(x.imported_at),
    kind: x.kind,
  }));
}
