import type { Migration } from '../../shared/db.js';

/**
 * The engagement store's schema, as ordered, append-only migrations (never edit a shipped one).
 * Same SQL on PostgreSQL and PGlite. pg-boss keeps its own tables in the `engagement_queue` schema.
 */
export const MIGRATIONS: Migration[] = [
  {
    id: '001_outcomes',
    sql: `
      CREATE SCHEMA IF NOT EXISTS engagement;

      CREATE TABLE engagement.call_outcome (
        id               uuid PRIMARY KEY,
        idempotency_key  text NOT NULL UNIQUE,
        payload_hash     text NOT NULL,
        contact_id       text NOT NULL,
        crm              text NOT NULL,
        crm_contact_id   text NOT NULL,
        call_id          text NOT NULL,
        decision_id      text NOT NULL,
        disposition      text NOT NULL,
        summary          text,
        intent_stage     text,
        next_action      text,
        next_action_at   timestamptz,
        duration_seconds integer,
        occurred_at      timestamptz NOT NULL,
        opt_out          boolean NOT NULL,
        channel          text NOT NULL,
        webhook_event_id text UNIQUE,
        accepted_at      timestamptz NOT NULL
      );
      CREATE INDEX call_outcome_contact ON engagement.call_outcome (contact_id, occurred_at DESC);

      -- One write-back per outcome (same id): its state, as the worker last left it.
      CREATE TABLE engagement.write_back (
        id                 uuid PRIMARY KEY REFERENCES engagement.call_outcome (id),
        crm                text NOT NULL,
        status             text NOT NULL,
        attempts           integer NOT NULL DEFAULT 0,
        last_error_code    text,
        last_error_message text,
        next_attempt_at    timestamptz,
        job_id             uuid,
        dlq_job_id         uuid,
        crm_record_id      text,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        written_at         timestamptz,
        dead_at            timestamptz
      );
      CREATE INDEX write_back_status ON engagement.write_back (status, created_at, id);

      -- An opt-out's revocation in the consent ledger: durable here first, then pushed to consent.
      CREATE TABLE engagement.consent_revocation (
        outcome_id      uuid PRIMARY KEY REFERENCES engagement.call_outcome (id),
        phone           text NOT NULL,
        status          text NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        lease_until     timestamptz,
        last_error_code text,
        created_at      timestamptz NOT NULL,
        done_at         timestamptz
      );

      -- Token buckets, one per CRM, shared by every worker process through the database.
      CREATE TABLE engagement.rate_bucket (
        crm           text PRIMARY KEY,
        tokens        double precision NOT NULL,
        capacity      double precision NOT NULL,
        refill_per_ms double precision NOT NULL,
        updated_at    timestamptz NOT NULL,
        paused_until  timestamptz NOT NULL DEFAULT '-infinity'
      );
    `,
  },
  {
    // Seller isolation (docs/access.md): the seller an outcome was recorded for; NULL = unknown
    // (outcomes from before, or a platform that names none), visible to every seller.
    id: '002_outcome_seller',
    sql: `ALTER TABLE engagement.call_outcome ADD COLUMN seller text;`,
  },
];

/** The component name under which shared/db.ts records these migrations. */
export const MIGRATION_COMPONENT = 'engagement';
