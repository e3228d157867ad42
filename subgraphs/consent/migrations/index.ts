import type { Migration } from '../../../shared/db.js';

/**
 * The consent subgraph's schema. Identical SQL on PGlite and PostgreSQL. Applied migrations are
 * never edited: add a new one.
 *
 * Append-only tables (ledger, internal DNC, audit) carry a trigger that refuses UPDATE, DELETE and
 * TRUNCATE, so "never updated in place or deleted" holds for every client, not just this code.
 * Retention (5 years consent/DNC, 6 years audit) is a data-lifecycle job outside this service:
 * it would have to drop the trigger deliberately, which leaves a trace.
 */
export const CONSENT_MIGRATIONS: Migration[] = [
  {
    id: '001_consent_ledger',
    sql: `
CREATE OR REPLACE FUNCTION dialplane_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$fn$;

CREATE TABLE consent_ledger (
  seq bigserial PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  e164 text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('GRANT', 'REVOCATION')),
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL,
  actor text,
  consent_type text CHECK (consent_type IN ('WRITTEN', 'ORAL', 'PATIENT_PROVIDED')),
  purposes text[],
  sellers text[],
  channels text[],
  covers_artificial_voice boolean,
  disclosure jsonb,
  evidence jsonb,
  revocation_channel text,
  scope text CHECK (scope IN ('ALL_SELLERS', 'SELLER')),
  seller text,
  CHECK (kind <> 'GRANT' OR (consent_type IS NOT NULL AND purposes IS NOT NULL AND sellers IS NOT NULL)),
  CHECK (kind <> 'REVOCATION' OR (revocation_channel IS NOT NULL AND scope IS NOT NULL))
);
CREATE INDEX consent_ledger_e164_idx ON consent_ledger (e164, seq);
CREATE INDEX consent_ledger_revocations_idx ON consent_ledger (seq) WHERE kind = 'REVOCATION';
CREATE TRIGGER consent_ledger_append_only BEFORE UPDATE OR DELETE ON consent_ledger
  FOR EACH ROW EXECUTE FUNCTION dialplane_refuse_change();
CREATE TRIGGER consent_ledger_no_truncate BEFORE TRUNCATE ON consent_ledger
  FOR EACH STATEMENT EXECUTE FUNCTION dialplane_refuse_change();
`,
  },
  {
    id: '002_suppression',
    sql: `
CREATE TABLE internal_dnc (
  id bigserial PRIMARY KEY,
  event_id text UNIQUE,
  e164 text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('ALL', 'SELLER', 'HEALTHCARE_VOICE')),
  seller text,
  source text NOT NULL,
  actor text,
  added_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  retain_until timestamptz NOT NULL,
  CHECK (scope <> 'SELLER' OR seller IS NOT NULL)
);
CREATE INDEX internal_dnc_e164_idx ON internal_dnc (e164);
CREATE TRIGGER internal_dnc_append_only BEFORE UPDATE OR DELETE ON internal_dnc
  FOR EACH ROW EXECUTE FUNCTION dialplane_refuse_change();
CREATE TRIGGER internal_dnc_no_truncate BEFORE TRUNCATE ON internal_dnc
  FOR EACH STATEMENT EXECUTE FUNCTION dialplane_refuse_change();

-- A mirror of external registries (national, state:XX): replaced per area code by full lists.
CREATE TABLE dnc_registry (
  list text NOT NULL,
  e164 text NOT NULL,
  area_code text NOT NULL,
  PRIMARY KEY (list, e164)
);
CREATE INDEX dnc_registry_area_idx ON dnc_registry (list, area_code);

-- When each list's data for an area code was downloaded ('*' = the whole list, for state lists).
CREATE TABLE dnc_sync (
  list text NOT NULL,
  area_code text NOT NULL,
  downloaded_at timestamptz NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('full', 'add', 'delete')),
  PRIMARY KEY (list, area_code)
);

CREATE TABLE ebr_relationships (
  id bigserial PRIMARY KEY,
  e164 text NOT NULL,
  seller text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('PURCHASE', 'INQUIRY')),
  occurred_at timestamptz NOT NULL,
  source text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ebr_relationships_e164_idx ON ebr_relationships (e164);

CREATE TABLE reassigned_checks (
  id bigserial PRIMARY KEY,
  e164 text NOT NULL,
  consent_date timestamptz NOT NULL,
  result text NOT NULL CHECK (result IN ('YES', 'NO', 'NO_DATA')),
  version text NOT NULL,
  checked_at timestamptz NOT NULL
);
CREATE INDEX reassigned_checks_e164_idx ON reassigned_checks (e164, checked_at DESC);
`,
  },
  {
    id: '003_attempts_audit',
    sql: `
CREATE TABLE call_attempts (
  id bigserial PRIMARY KEY,
  decision_id uuid NOT NULL UNIQUE,
  e164 text NOT NULL,
  seller text NOT NULL,
  purpose text NOT NULL,
  subject text NOT NULL,
  attempted_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_attempts_e164_idx ON call_attempts (e164, attempted_at);

CREATE TABLE consent_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL,
  actor text NOT NULL,
  role text NOT NULL,
  seller text,
  purpose text,
  e164 text,
  decision_id uuid,
  allowed boolean,
  reasons text[],
  detail jsonb
);
CREATE INDEX consent_audit_e164_idx ON consent_audit (e164, id);
CREATE TRIGGER consent_audit_append_only BEFORE UPDATE OR DELETE ON consent_audit
  FOR EACH ROW EXECUTE FUNCTION dialplane_refuse_change();
CREATE TRIGGER consent_audit_no_truncate BEFORE TRUNCATE ON consent_audit
  FOR EACH STATEMENT EXECUTE FUNCTION dialplane_refuse_change();
`,
  },
];
