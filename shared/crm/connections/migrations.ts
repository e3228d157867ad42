import { migrate, type Database, type Migration } from '../../db.js';

/**
 * The connection store's table, as append-only migrations (never edit a shipped one). Credentials
 * live in `credentials_sealed` only: AES-256-GCM under the key `credentials_key_id` names
 * (secret-box.ts); nothing else in the row is secret.
 */
export const CONNECTION_MIGRATIONS: Migration[] = [
  {
    id: '001_crm_connections',
    sql: `
      CREATE SCHEMA IF NOT EXISTS crm_connection;

      CREATE TABLE crm_connection.crm_connections (
        id                  text PRIMARY KEY CHECK (id LIKE 'conn\\_%'),
        seller              text NOT NULL,
        crm                 text NOT NULL,
        account             text NOT NULL,
        base_url            text NOT NULL,
        credentials_sealed  text NOT NULL,
        credentials_key_id  text NOT NULL,
        -- Names of the credential fields (never their values), so a listing says what kind of grant it holds.
        credential_fields   text[] NOT NULL,
        mapping_overrides   jsonb NOT NULL DEFAULT '{}'::jsonb,
        revision            integer NOT NULL DEFAULT 1,
        status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        created_at          timestamptz NOT NULL,
        updated_at          timestamptz NOT NULL,
        UNIQUE (seller, crm)
      );
      CREATE INDEX crm_connections_account ON crm_connection.crm_connections (crm, account);
    `,
  },
];

export const CONNECTIONS_COMPONENT = 'crm_connections';

export function migrateConnections(db: Database): Promise<string[]> {
  return migrate(db, CONNECTIONS_COMPONENT, CONNECTION_MIGRATIONS);
}
