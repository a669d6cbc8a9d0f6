-- API infrastructure (hand-written): the Idempotency-Key store, and the
-- reads the booking workflow needs from the front desk.
--
-- Schema "api" is not a business schema: it is not published to CDC and
-- not compared against schema.hcl (it holds no business data, only the
-- first response to each retried POST).

CREATE SCHEMA IF NOT EXISTS api;
ALTER SCHEMA api OWNER TO cch_owner;

-- One row per (organisation, staff, key). The request's own transaction
-- inserts the key first: a concurrent retry blocks on the primary key until
-- the first commits (then replays its stored response) or rolls back (then
-- proceeds as new). So a key never creates a second row.
CREATE TABLE IF NOT EXISTS api.idempotency_key (
  organisation_id bigint      NOT NULL REFERENCES core.organisation (id) ON DELETE CASCADE,
  staff_id        bigint      NOT NULL REFERENCES core.staff (id) ON DELETE CASCADE,
  key             text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash    bytea       NOT NULL CHECK (octet_length(request_hash) = 32),
  response_status integer,
  response_body   bytea,
  response_etag   text        NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, staff_id, key)
);
ALTER TABLE api.idempotency_key OWNER TO cch_owner;
COMMENT ON TABLE api.idempotency_key IS 'First response to each Idempotency-Key; rows older than 24 h may be deleted.';
-- serves: expiry sweep (DELETE … WHERE created_at < now() - interval '24 hours')
CREATE INDEX IF NOT EXISTS idempotency_key_created_idx ON api.idempotency_key USING brin (created_at);

ALTER TABLE api.idempotency_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE api.idempotency_key FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_keys ON api.idempotency_key;
CREATE POLICY own_keys ON api.idempotency_key
  USING (organisation_id = core.current_organisation_id() AND staff_id = core.current_staff_id());

GRANT USAGE ON SCHEMA api TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor;
GRANT SELECT, INSERT, UPDATE ON api.idempotency_key
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor;

-- Availability offers technicians rostered at the branch: the front desk
-- and technicians read who holds the technician role (no pay columns).
GRANT SELECT ON core.staff_role TO cch_receptionist, cch_technician;
