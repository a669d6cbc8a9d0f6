-- Pseudonymous customer keys (hand-written; re-runnable).
--
-- Every customer carries core.customer.pseudonym: the first 16 bytes (hex)
-- of HMAC-SHA256(organisation secret, customer id). The secret is one per
-- organisation, in core.pseudonym_key.secret: declared secret (never
-- published, so never in the warehouse) and readable by no business role,
-- only by the owner's SECURITY DEFINER trigger that fills the column. The
-- key is stored data: stable across restarts, warehouse rebuilds and
-- erasure (which clears the PII columns and keeps the key), different per
-- organisation, and it cannot be recomputed without the secret.
--
-- Roles without PII grants read customers by that key: the auditor reads
-- core.customer's non-identifying columns (organisation, home branch, kind,
-- pseudonym, erasure and row times; no id, names, e-mail, phone, address),
-- organisation-wide. The warehouse derives the same view from these grants.

-- HMAC-SHA256 (RFC 2104) with built-ins only: sha256() and byte XOR.
CREATE OR REPLACE FUNCTION core.hmac_sha256(key bytea, message bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  WITH k AS (
    SELECT CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END AS k
  ), padded AS (
    SELECT k || decode(repeat('00', 64 - length(k)), 'hex') AS k FROM k
  ), pads AS (
    SELECT decode(string_agg(lpad(to_hex(get_byte(k, i) # 54), 2, '0'), '' ORDER BY i), 'hex') AS ipad,
           decode(string_agg(lpad(to_hex(get_byte(k, i) # 92), 2, '0'), '' ORDER BY i), 'hex') AS opad
    FROM padded, generate_series(0, 63) AS i
  )
  SELECT sha256(opad || sha256(ipad || message)) FROM pads
$$;
COMMENT ON FUNCTION core.hmac_sha256(bytea, bytea) IS 'HMAC-SHA256 (RFC 2104) of message under key';

CREATE TABLE IF NOT EXISTS core.pseudonym_key (
  organisation_id bigint NOT NULL,
  secret bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id),
  CONSTRAINT pseudonym_key_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES core.organisation (id)
    ON UPDATE NO ACTION ON DELETE CASCADE,
  CONSTRAINT pseudonym_key_secret_length CHECK (length(secret) = 32)
);
COMMENT ON TABLE core.pseudonym_key IS
  'Per-organisation HMAC key of the customer pseudonyms. secret is never published and readable by no business role.';

ALTER TABLE core.pseudonym_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.pseudonym_key FORCE ROW LEVEL SECURITY;
-- Only the owner (the SECURITY DEFINER functions below) reads or writes
-- keys, for whichever organisation the customer belongs to.
DROP POLICY IF EXISTS pseudonym_key_owner ON core.pseudonym_key;
CREATE POLICY pseudonym_key_owner ON core.pseudonym_key AS PERMISSIVE FOR ALL TO cch_owner USING (true) WITH CHECK (true);

-- The organisation's secret, created on first use (32 bytes from the
-- server's strong random source behind gen_random_uuid).
CREATE OR REPLACE FUNCTION core.pseudonym_secret(p_organisation_id bigint) RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s bytea;
BEGIN
  SELECT k.secret INTO s FROM core.pseudonym_key k WHERE k.organisation_id = p_organisation_id;
  IF s IS NULL THEN
    INSERT INTO core.pseudonym_key (organisation_id, secret)
    VALUES (p_organisation_id, sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')))
    ON CONFLICT (organisation_id) DO NOTHING;
    SELECT k.secret INTO STRICT s FROM core.pseudonym_key k WHERE k.organisation_id = p_organisation_id;
  END IF;
  RETURN s;
END
$$;

-- The customer's pseudonym in its organisation.
CREATE OR REPLACE FUNCTION core.customer_pseudonym(p_organisation_id bigint, p_customer_id bigint) RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT encode(substring(core.hmac_sha256(core.pseudonym_secret(p_organisation_id),
                                           convert_to(p_customer_id::text, 'UTF8')) FROM 1 FOR 16), 'hex')
$$;

-- Fills the pseudonym on insert and keeps it what the key says on any
-- attempt to change it (or the organisation, or the id).
CREATE OR REPLACE FUNCTION core.fill_customer_pseudonym() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.pseudonym := core.customer_pseudonym(NEW.organisation_id, NEW.id);
  RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION core.pseudonym_secret(bigint), core.customer_pseudonym(bigint, bigint),
  core.fill_customer_pseudonym() FROM PUBLIC;

ALTER TABLE core.customer ADD COLUMN IF NOT EXISTS pseudonym text;
COMMENT ON COLUMN core.customer.pseudonym IS
  'stable pseudonymous key: HMAC-SHA256 under the organisation''s secret (core.pseudonym_key) of the id; kept on erasure';

-- Backfill the customers there are: every organisation's, without the
-- row triggers (no version bump, no audit entry: nothing the user changed).
ALTER TABLE core.customer NO FORCE ROW LEVEL SECURITY;
ALTER TABLE core.customer DISABLE TRIGGER USER;
UPDATE core.customer SET pseudonym = core.customer_pseudonym(organisation_id, id) WHERE pseudonym IS NULL;
ALTER TABLE core.customer ENABLE TRIGGER USER;
ALTER TABLE core.customer FORCE ROW LEVEL SECURITY;
ALTER TABLE core.customer ALTER COLUMN pseudonym SET NOT NULL;

CREATE OR REPLACE TRIGGER fill_pseudonym BEFORE INSERT OR UPDATE OF id, organisation_id, pseudonym ON core.customer
  FOR EACH ROW EXECUTE FUNCTION core.fill_customer_pseudonym();

-- The secret is declared secret: never published, unreadable to business
-- roles (none is granted the table), and to the replication role.
CREATE OR REPLACE FUNCTION core.secret_columns()
RETURNS TABLE (rel regclass, col name)
LANGUAGE sql STABLE
AS $$
  VALUES ('core.api_token'::regclass, 'token_hash'::name), ('core.pseudonym_key'::regclass, 'secret'::name)
$$;
REVOKE ALL ON core.pseudonym_key FROM cch_replicator;
GRANT SELECT (organisation_id, created_at) ON core.pseudonym_key TO cch_replicator;

-- The auditor reads customers by pseudonym, organisation-wide.
GRANT SELECT (organisation_id, home_branch_id, kind, pseudonym, pseudonymised_at, created_at, updated_at)
  ON core.customer TO cch_auditor;
DROP POLICY IF EXISTS customer_auditor_pseudonymous ON core.customer;
CREATE POLICY customer_auditor_pseudonymous ON core.customer AS PERMISSIVE FOR SELECT TO cch_auditor USING (true);

CALL core.publish_tables();
CALL core.claim_ownership();
