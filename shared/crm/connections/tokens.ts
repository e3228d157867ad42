import { z } from 'zod';
import { DialplaneError, ErrorCode, isDialplaneError } from '../../errors.js';
import { logError, type Logger } from '../../logger.js';
import type { ConnectionDirectory, CrmConnection } from '../connection.js';
import type { CrmSource } from '../connector.js';
import type { LiveSchema, OverridableField } from '../mapping-overrides.js';
import type { ConnectionHealth } from './health.js';
import type { ConnectionStore } from './store.js';

/**
 * Access tokens per connection. One grant at a time per connection (single-flight: concurrent
 * callers share the one in flight), a token reused until it expires or the CRM answers 401, and a
 * refresh token the CRM rotates written back (sealed) in the same row-locked transaction that read
 * the old one, so two processes refreshing at once never spend the same refresh token twice.
 */

/** What a CRM's token endpoint granted. */
export interface GrantedToken {
  accessToken: string;
  /** Epoch ms; unset = valid until the CRM answers 401 (Salesforce sessions). */
  expiresAt?: number;
  /** A new refresh token handed back (refresh-token rotation): stored in place of the old one. */
  refreshToken?: string;
  /** Salesforce's instance_url (REST calls go there). */
  instanceUrl?: string;
  /** The account the token belongs to, when the grant says (Salesforce org id). */
  account?: string;
}

/** The CRM refused the credentials (revoked refresh token, wrong secret): an alert, not a retryable outage. */
export class CrmAuthError extends DialplaneError {
  constructor(crm: CrmSource, crmCode: string) {
    super(ErrorCode.CRM_AUTH_FAILED, `${crm} refused the connection's credentials (${crmCode})`, { crm, crmCode });
    this.name = 'CrmAuthError';
  }
  get crmCode(): string {
    return String(this.context.crmCode);
  }
}

/**
 * How one CRM turns a connection's credentials into tokens and proves a token can read the
 * account: implemented by crm/<name>/connection.ts.
 */
export interface CrmConnectionKind {
  crm: CrmSource;
  /** The credential shapes this CRM accepts (zod; parse refuses anything else). */
  credentials: z.ZodType<Record<string, string>>;
  /** Runs the grant the credentials call for. Throws CrmAuthError when the CRM refuses them. */
  grant(connection: { baseUrl: string; credentials: Readonly<Record<string, string>> }): Promise<GrantedToken>;
  /**
   * Reads the account's contact schema with a token (Salesforce describe, HubSpot properties): the
   * proof, before a connection is saved, that these credentials can read this account.
   */
  probe(
    connection: { baseUrl: string },
    token: GrantedToken,
  ): Promise<{ account?: string; fields: string[]; budget?: { remaining: number; limit: number } }>;
  /**
   * Mapping overrides (docs/mapping-overrides.md): the canonical fields a connection of this CRM
   * may feed from its own fields, and the account's live schema for them read with a token
   * (describe / properties, with types and picklist values), so the admin API refuses an override
   * naming a missing or mistyped field before saving it.
   */
  overrides?: {
    overridable: readonly OverridableField[];
    liveSchema(connection: { baseUrl: string }, token: GrantedToken): Promise<LiveSchema>;
  };
}

/**
 * One connection's tokens as its CRM client sees them: `token()` the current one (cached, or the
 * one grant in flight), `rejected(token)` when the CRM answered 401 with it (the next `token()`
 * grants anew, once for all callers).
 */
export interface ConnectionTokenSource {
  token(): Promise<GrantedToken>;
  rejected(accessToken: string): void;
}

interface Entry {
  /** The revision the cached token was granted under; a rotation elsewhere drops it. */
  revision: number;
  token?: GrantedToken;
  inflight?: Promise<GrantedToken>;
  /** Credentials written back by this process (newer than the directory until its event arrives). */
  written?: CrmConnection;
}

export interface ConnectionTokensOptions {
  directory: ConnectionDirectory;
  store: ConnectionStore;
  kinds: readonly CrmConnectionKind[];
  health: ConnectionHealth;
  log: Logger;
  now?: () => number;
  /** Refresh this long before a token's expiry. @default 60000 */
  expirySkewMs?: number;
}

export class ConnectionTokens {
  private readonly entries = new Map<string, Entry>();
  private readonly kinds: Map<CrmSource, CrmConnectionKind>;
  private readonly now: () => number;

  constructor(private readonly options: ConnectionTokensOptions) {
    this.kinds = new Map(options.kinds.map((k) => [k.crm, k]));
    this.now = options.now ?? Date.now;
  }

  /** A valid token of the connection: the cached one, the grant in flight, or a new grant. */
  token(connectionId: string): Promise<GrantedToken> {
    const connection = this.current(connectionId);
    if (!connection || connection.status !== 'active')
      return Promise.reject(
        new DialplaneError(ErrorCode.NOT_FOUND, `no active connection ${connectionId}`, { connectionId }),
      );
    let entry = this.entries.get(connectionId);
    if (!entry || entry.revision < connection.revision) {
      entry = { revision: connection.revision, ...(entry?.written ? { written: entry.written } : {}) };
      this.entries.set(connectionId, entry);
    }
    const cached = entry.token;
    if (cached && (cached.expiresAt === undefined || cached.expiresAt - this.skew() > this.now()))
      return Promise.resolve(cached);
    if (entry.inflight) return entry.inflight;
    const grantEntry = entry;
    grantEntry.inflight = this.grant(connection, grantEntry).finally(() => {
      grantEntry.inflight = undefined;
    });
    return grantEntry.inflight;
  }

  /** The CRM answered 401 with `accessToken`: the next caller gets a new grant (once, whoever asks). */
  invalidate(connectionId: string, accessToken: string): void {
    const entry = this.entries.get(connectionId);
    if (entry?.token?.accessToken === accessToken) entry.token = undefined;
  }

  /** The token source a connection's CRM client uses (crm/<name>/client.ts). */
  sourceFor(connectionId: string): ConnectionTokenSource {
    return {
      token: () => this.token(connectionId),
      rejected: (accessToken) => this.invalidate(connectionId, accessToken),
    };
  }

  /** Forgets a connection's tokens (deleted, disabled). */
  forget(connectionId: string): void {
    this.entries.delete(connectionId);
  }

  private skew(): number {
    return this.options.expirySkewMs ?? 60_000;
  }

  /** The newest of what the directory holds and what this process wrote back itself. */
  private current(connectionId: string): CrmConnection | null {
    const listed = this.options.directory.byId(connectionId);
    const written = this.entries.get(connectionId)?.written;
    if (written && (!listed || written.revision > listed.revision)) return listed ? written : null;
    return listed;
  }

  private async grant(connection: CrmConnection, entry: Entry): Promise<GrantedToken> {
    const kind = this.kinds.get(connection.crm);
    if (!kind)
      throw new DialplaneError(ErrorCode.CONFIG_INVALID, `no connection kind for ${connection.crm}`, {
        crm: connection.crm,
      });
    const { health, log } = this.options;
    try {
      let token: GrantedToken;
      if (connection.credentials.refreshToken) {
        // Under the row's lock, with the row's credentials: another process may have rotated the
        // refresh token a moment ago; its successor is what we must spend.
        const result = await this.options.store.refreshUnderLock(connection.id, async (fresh) => {
          const granted = await kind.grant({ baseUrl: fresh.baseUrl, credentials: fresh.credentials });
          const rotated =
            granted.refreshToken && granted.refreshToken !== fresh.credentials.refreshToken
              ? { ...fresh.credentials, refreshToken: granted.refreshToken }
              : null;
          return { granted, rotated };
        });
        token = result.granted;
        if (result.connection) {
          entry.written = result.connection;
          entry.revision = result.connection.revision;
        }
      } else {
        token = await kind.grant({ baseUrl: connection.baseUrl, credentials: connection.credentials });
      }
      entry.token = token;
      health.recordSuccess(connection);
      return token;
    } catch (error) {
      if (error instanceof CrmAuthError) health.recordAuthFailure(connection, error.crmCode);
      else if (!isDialplaneError(error))
        logError(log, error, 'connection token grant failed', { connectionId: connection.id, crm: connection.crm });
      throw error;
    }
  }
}
