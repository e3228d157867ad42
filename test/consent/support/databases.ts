import { afterAll, beforeAll, describe } from 'vitest';
import type { Database } from '../../../shared/db.js';
import { openConsentDatabase } from '../../../subgraphs/consent/store/open-consent-db.js';
import { createTestDatabase, describeWithPostgres } from '../../support/services.js';

export interface DbHandle {
  db: Database;
  url?: string;
}

/** Runs `suite` once on embedded PGlite and once on the real PostgreSQL server (same SQL, same migrations). */
export function onEachDatabase(name: string, suite: (get: () => DbHandle) => void): void {
  describe(`${name} (pglite)`, () => {
    let handle: DbHandle;
    beforeAll(async () => {
      handle = { db: await openConsentDatabase({}) };
    });
    afterAll(async () => handle?.db.close());
    suite(() => handle);
  });
  describeWithPostgres(`${name} (postgres)`, () => {
    let handle: DbHandle;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const test = await createTestDatabase('consent');
      drop = test.drop;
      handle = { db: await openConsentDatabase({ url: test.url }), url: test.url };
    });
    afterAll(async () => {
      await handle?.db.close();
      await drop?.();
    });
    suite(() => handle);
  });
}
