import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Queryable } from '../../db.js';
import { DialplaneError, ErrorCode, isDialplaneError } from '../../errors.js';
import type { EventBus } from '../../events.js';
import { logError, type Logger } from '../../logger.js';
import type { CrmConnection } from '../connection.js';
import type { CrmSource } from '../connector.js';
import type { SecretBox } from './secret-box.js';

/**
 * The `crm_connections` table: create, rotate credentials, set mapping overrides, disable, delete,
 * list without secrets, and re-encrypt under the current key. Credentials are sealed before they
 * reach SQL and opened only into CrmConnection objects (never into a listing, a log or an error).
 * Every change bumps the revision and is announced on the event bus (`connection.changed`) after
 * it commits, so each process's ConnectionDirectory reloads the row.
 */

/** What a listing shows of a connection: everything but the credentials' values. */
export interface ConnectionSummary {
  id: string;
  seller: string;
  crm: CrmSource;
  account: string;
  baseUrl: string;
  /** The names of the credential fields held (e.g. clientId, clientSecret, refreshToken), not their values. */
  credentialFields: string[];
  /** Id of the key the credentials are sealed with (rotation progress is visible in a listing). */
  keyId: string;
  mappingOverrides: Record<string, string>;
  revision: number;
  status: 'active' | 'disabled';
  createdAt: string;
  updatedAt: string;
}

export const NewConnection = z.object({
  seller: z.string().min(1).max(200),
  /** A registered CRM's name (crm/registry.ts; shared/ does not know the list). */
  crm: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
  account: z.string().min(1).max(200),
  baseUrl: z.url(),
  credentials: z.record(z.string(), z.string()),
  mappingOverrides: z.record(z.string(), z.string()).default({}),
});
export type NewConnection = z.input<typeof NewConnection>;

interface Row {
  id: string;
  seller: string;
  crm: string;
  account: string;
  base_url: string;
  credentials_sealed: string;
  credentials_key_id: string;
  credential_fields: string[];
  mapping_overrides: Record<string, string>;
  revision: number;
  status: 'active' | 'disabled';
  created_at: Date;
  updated_at: Date;
}

const TABLE = 'crm_connection.crm_connections';

export interface ConnectionStoreOptions {
  db: Database;
  box: SecretBox;
  /** Where changes are announced; unset = no other process follows (tests of the store alone). */
  bus?: EventBus;
  log: Logger;
  now?: () => Date;
}

export class ConnectionStore {
  private readonly now: () => Date;
  constructor(private readonly options: ConnectionStoreOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** A new id: `conn_` + 20 random base32-ish characters; opaque, never derived from the seller. */
  static newId(): string {
    return `conn_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
  }

  async create(input: NewConnection): Promise<CrmConnection> {
    const c = NewConnection.parse(input);
    const id = ConnectionStore.newId();
    const sealed = this.options.box.seal(JSON.stringify(c.credentials), id);
    const at = this.now();
    try {
      await this.options.db.query(
        `INSERT INTO ${TABLE} (id, seller, crm, account, base_url, credentials_sealed, credentials_key_id,
           credential_fields, mapping_overrides, revision, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, 1, 'active', $10, $10)`,
        [
          id,
          c.seller,
          c.crm,
          c.account,
          c.baseUrl,
          sealed.ciphertext,
          sealed.keyId,
          Object.keys(c.credentials).sort(),
          JSON.stringify(c.mappingOverrides),
          at,
        ],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new DialplaneError(ErrorCode.CONFLICT, `seller ${c.seller} already has a ${c.crm} connection`, {
          seller: c.seller,
          crm: c.crm,
        });
      throw error;
    }
    await this.announce(id, 'created', 1);
    return this.mustGet(id);
  }

  /** Replaces the credentials (sealed under the current key); `expectedRevision` guards a concurrent change. */
  async rotateCredentials(
    id: string,
    credentials: Record<string, string>,
    expectedRevision?: number,
  ): Promise<CrmConnection> {
    const sealed = this.options.box.seal(JSON.stringify(credentials), id);
    const revision = await this.update(
      id,
      `credentials_sealed = $3, credentials_key_id = $4, credential_fields = $5`,
      [sealed.ciphertext, sealed.keyId, Object.keys(credentials).sort()],
      expectedRevision,
    );
    await this.announce(id, 'credentials', revision);
    return this.mustGet(id);
  }

  async setMappingOverrides(id: string, overrides: Record<string, string>): Promise<CrmConnection> {
    const revision = await this.update(id, `mapping_overrides = $3::jsonb`, [JSON.stringify(overrides)]);
    await this.announce(id, 'mapping', revision);
    return this.mustGet(id);
  }

  async disable(id: string): Promise<ConnectionSummary> {
    const revision = await this.update(id, `status = 'disabled'`, []);
    await this.announce(id, 'disabled', revision);
    return (await this.summary(id))!;
  }

  async delete(id: string): Promise<void> {
    const result = await this.options.db.query<{ revision: number }>(
      `DELETE FROM ${TABLE} WHERE id = $1 RETURNING revision`,
      [id],
    );
    if (result.rows.length === 0) throw notFound(id);
    await this.announce(id, 'deleted', result.rows[0]!.revision + 1);
  }

  async list(filter: { crm?: CrmSource; seller?: string } = {}): Promise<ConnectionSummary[]> {
    const result = await this.options.db.query<Row>(
      `SELECT * FROM ${TABLE} WHERE ($1::text IS NULL OR crm = $1) AND ($2::text IS NULL OR seller = $2)
       ORDER BY seller, crm`,
      [filter.crm ?? null, filter.seller ?? null],
    );
    return result.rows.map(summaryOf);
  }

  async summary(id: string): Promise<ConnectionSummary | null> {
    const row = await this.row(this.options.db, id);
    return row ? summaryOf(row) : null;
  }

  /** The connection with its credentials opened; null when there is no such row. */
  async get(id: string): Promise<CrmConnection | null> {
    const row = await this.row(this.options.db, id);
    return row ? this.open(row) : null;
  }

  /**
   * Every connection, opened. A row whose credentials do not open (its key left the ring, or it was
   * altered) is left out and logged by id: that connection serves nothing (fails closed), the others do.
   */
  async loadAll(): Promise<CrmConnection[]> {
    const result = await this.options.db.query<Row>(`SELECT * FROM ${TABLE} ORDER BY id`);
    const out: CrmConnection[] = [];
    for (const row of result.rows) {
      try {
        out.push(this.open(row));
      } catch (error) {
        logError(this.options.log, error, 'connection credentials unreadable; connection skipped', {
          connectionId: row.id,
        });
      }
    }
    return out;
  }

  /**
   * Re-seals every row not yet under the current key (`npm run connections:rekey`), one row per
   * transaction under a row lock, so it can run while services serve and be re-run after a stop.
   * The revision is unchanged (the credentials are the same), but the change is announced.
   */
  async rekey(): Promise<{ rekeyed: number; current: string; unreadable: string[] }> {
    const { box, db } = this.options;
    const stale = await db.query<{ id: string }>(`SELECT id FROM ${TABLE} WHERE credentials_key_id <> $1`, [
      box.currentKeyId,
    ]);
    let rekeyed = 0;
    const unreadable: string[] = [];
    for (const { id } of stale.rows) {
      const revision = await db
        .transaction(async (tx) => {
          const row = await this.row(tx, id, true);
          if (!row || row.credentials_key_id === box.currentKeyId) return null;
          const plain = box.open({ keyId: row.credentials_key_id, ciphertext: row.credentials_sealed }, row.id);
          const sealed = box.seal(plain, row.id);
          await tx.query(`UPDATE ${TABLE} SET credentials_sealed = $2, credentials_key_id = $3 WHERE id = $1`, [
            id,
            sealed.ciphertext,
            sealed.keyId,
          ]);
          return row.revision;
        })
        .catch((error: unknown) => {
          // Sealed with a key no longer (or not yet) in the ring: left as is, named in the result.
          if (!isDialplaneError(error, ErrorCode.CONNECTION_SECRET_UNREADABLE)) throw error;
          unreadable.push(id);
          return null;
        });
      if (revision !== null) {
        rekeyed++;
        await this.announce(id, 'rekeyed', revision);
      }
    }
    return { rekeyed, current: box.currentKeyId, unreadable };
  }

  /**
   * Runs a refresh-token grant with the row's current credentials and stores a rotated refresh
   * token, one holder at a time per connection: refreshers take turns, and each spends the refresh
   * token its predecessor stored. On PostgreSQL the turn is the row's lock (SELECT … FOR UPDATE in
   * one transaction: processes and replicas). An embedded PGlite is one process's, and its one
   * connection must not be held across a CRM call (consent and engagement share it under
   * `npm start`): there the turn is an in-process lock per database and connection.
   * Returns the updated connection when the credentials changed.
   */
  async refreshUnderLock<T>(
    id: string,
    grant: (current: CrmConnection) => Promise<{ granted: T; rotated: Record<string, string> | null }>,
  ): Promise<{ granted: T; connection: CrmConnection | null }> {
    const { db } = this.options;
    const turn = async (q: Queryable, lock: boolean) => {
      const row = await this.row(q, id, lock);
      if (!row) throw notFound(id);
      const { granted, rotated } = await grant(this.open(row));
      if (!rotated) return { granted, revision: null as number | null };
      const sealed = this.options.box.seal(JSON.stringify(rotated), id);
      const updated = await q.query<{ revision: number }>(
        `UPDATE ${TABLE} SET credentials_sealed = $2, credentials_key_id = $3, credential_fields = $4,
           revision = revision + 1, updated_at = $5 WHERE id = $1 RETURNING revision`,
        [id, sealed.ciphertext, sealed.keyId, Object.keys(rotated).sort(), this.now()],
      );
      return { granted, revision: updated.rows[0]?.revision ?? null };
    };
    const outcome =
      db.kind === 'postgres'
        ? await db.transaction((tx) => turn(tx, true))
        : await inProcessTurn(db, id, () => turn(db, false));
    if (outcome.revision === null) return { granted: outcome.granted, connection: null };
    await this.announce(id, 'credentials', outcome.revision);
    return { granted: outcome.granted, connection: await this.get(id) };
  }

  private async update(id: string, set: string, params: unknown[], expectedRevision?: number): Promise<number> {
    const result = await this.options.db.query<{ revision: number }>(
      `UPDATE ${TABLE} SET ${set}, revision = revision + 1, updated_at = $2
       WHERE id = $1 ${expectedRevision === undefined ? '' : `AND revision = ${Number(expectedRevision)}`}
       RETURNING revision`,
      [id, this.now(), ...params],
    );
    if (result.rows.length > 0) return result.rows[0]!.revision;
    if (expectedRevision !== undefined && (await this.summary(id)))
      throw new DialplaneError(ErrorCode.CONFLICT, `connection ${id} changed meanwhile (revision)`, {
        connectionId: id,
      });
    throw notFound(id);
  }

  private async row(q: Queryable, id: string, lock = false): Promise<Row | null> {
    const result = await q.query<Row>(`SELECT * FROM ${TABLE} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return result.rows[0] ?? null;
  }

  private async mustGet(id: string): Promise<CrmConnection> {
    const connection = await this.get(id);
    if (!connection) throw notFound(id);
    return connection;
  }

  private open(row: Row): CrmConnection {
    const plain = this.options.box.open({ keyId: row.credentials_key_id, ciphertext: row.credentials_sealed }, row.id);
    const credentials = z.record(z.string(), z.string()).parse(JSON.parse(plain));
    return {
      id: row.id,
      seller: row.seller,
      crm: row.crm as CrmSource,
      account: row.account,
      baseUrl: row.base_url,
      credentials,
      mappingOverrides: row.mapping_overrides ?? {},
      revision: row.revision,
      status: row.status,
    };
  }

  /** After the write committed. A lost announcement is caught up by the directories' periodic resync. */
  private async announce(
    connectionId: string,
    change: 'created' | 'credentials' | 'mapping' | 'disabled' | 'deleted' | 'rekeyed',
    revision: number,
  ): Promise<void> {
    if (!this.options.bus) return;
    try {
      await this.options.bus.publish('connection.changed', {
        eventId: randomUUID(),
        connectionId,
        change,
        revision,
      });
    } catch (error) {
      logError(this.options.log, error, 'connection change not announced; directories catch up on resync', {
        connectionId,
        change,
      });
    }
  }
}

const inProcessTurns = new WeakMap<Database, Map<string, Promise<unknown>>>();

/** Runs `fn` after every earlier call for the same database and key has settled (an in-process lock). */
function inProcessTurn<T>(db: Database, key: string, fn: () => Promise<T>): Promise<T> {
  let turns = inProcessTurns.get(db);
  if (!turns) inProcessTurns.set(db, (turns = new Map()));
  const before = turns.get(key) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  const settled = mine.catch(() => undefined);
  turns.set(key, settled);
  void settled.then(() => {
    if (turns.get(key) === settled) turns.delete(key);
  });
  return mine;
}

function summaryOf(row: Row): ConnectionSummary {
  return {
    id: row.id,
    seller: row.seller,
    crm: row.crm as CrmSource,
    account: row.account,
    baseUrl: row.base_url,
    credentialFields: row.credential_fields,
    keyId: row.credentials_key_id,
    mappingOverrides: row.mapping_overrides ?? {},
    revision: row.revision,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function notFound(id: string): DialplaneError {
  return new DialplaneError(ErrorCode.NOT_FOUND, `no connection ${id}`, { connectionId: id });
}
