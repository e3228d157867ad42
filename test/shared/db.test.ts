import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_SHARED_BUFFERS, migrate, openDatabase, splitStatements, type Database } from '../../shared/db.js';
import { createTestDatabase, describeWithPostgres } from '../support/services.js';

const MIGRATIONS = [
  {
    id: '001_things',
    sql: `CREATE TABLE things (id bigserial PRIMARY KEY, name text NOT NULL, at timestamptz NOT NULL DEFAULT now());
    -- a comment; with a semicolon
    CREATE FUNCTION no_update() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'append-only; no %', TG_OP; END $$ LANGUAGE plpgsql;
    CREATE TRIGGER things_append_only BEFORE UPDATE OR DELETE ON things FOR EACH ROW EXECUTE FUNCTION no_update();`,
  },
  { id: '002_more', sql: `ALTER TABLE things ADD COLUMN n numeric NOT NULL DEFAULT 1.5` },
];

function suite(open: () => Promise<{ db: Database; done: () => Promise<void> }>, extra?: (db: () => Database) => void) {
  let db: Database;
  let done: () => Promise<void>;
  beforeAll(async () => ({ db, done } = await open()));
  afterAll(async () => done());
  extra?.(() => db);

  it('applies migrations once, in order', async () => {
    expect(await migrate(db, 'test', MIGRATIONS)).toEqual(['001_things', '002_more']);
    expect(await migrate(db, 'test', MIGRATIONS)).toEqual([]);
  });
  it('returns the same JS types on both engines', async () => {
    await db.query('INSERT INTO things (name) VALUES ($1)', ['a']);
    const { rows } = await db.query<{ id: number; n: string; at: Date }>('SELECT id, n, at FROM things');
    expect(typeof rows[0]!.id).toBe('number');
    expect(rows[0]!.n).toBe('1.5');
    expect(rows[0]!.at).toBeInstanceOf(Date);
  });
  it('rolls a failed transaction back and enforces the append-only trigger', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO things (name) VALUES ($1)', ['b']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(db.query('UPDATE things SET name = $1', ['x'])).rejects.toThrow(/append-only/);
    const { rows } = await db.query<{ c: number }>('SELECT count(*)::int AS c FROM things');
    expect(rows[0]!.c).toBe(1);
  });
}

describe('database on embedded PGlite', () => {
  suite(
    async () => {
      const db = await openDatabase();
      return { db, done: () => db.close() };
    },
    (db) => {
      // Issue 17 (embedded footprint): PostgreSQL's server-sized 128 MB default cost ~150 MB RSS per PGlite.
      it('runs with small shared buffers', async () => {
        const { rows } = await db().query<{ shared_buffers: string }>('SHOW shared_buffers');
        expect(rows[0]!.shared_buffers).toBe(EMBEDDED_SHARED_BUFFERS);
        expect(EMBEDDED_SHARED_BUFFERS).toBe('16MB');
      });

      // Issue 17 (acknowledgment p99 with the CRM down): zero-filling each new 16 MB WAL segment
      // ran synchronously inside one statement, 60–110 ms, stalling every request of the process.
      it('does not zero-fill new WAL segments', async () => {
        const { rows } = await db().query<{ wal_init_zero: string }>('SHOW wal_init_zero');
        expect(rows[0]!.wal_init_zero).toBe('off');
      });
    },
  );
});

describeWithPostgres('database on PostgreSQL', () => {
  suite(async () => {
    const t = await createTestDatabase('shared_db');
    const db = await openDatabase({ url: t.url });
    return {
      db,
      done: async () => {
        await db.close();
        await t.drop();
      },
    };
  });
});

describe('splitStatements', () => {
  it('keeps dollar-quoted bodies and quoted semicolons whole', () => {
    expect(
      splitStatements(
        `SELECT 'a;b'; CREATE FUNCTION f() RETURNS int AS $x$ SELECT 1; $x$ LANGUAGE sql; -- c;\nSELECT 2`,
      ),
    ).toEqual([`SELECT 'a;b'`, `CREATE FUNCTION f() RETURNS int AS $x$ SELECT 1; $x$ LANGUAGE sql`, 'SELECT 2']);
  });
});
