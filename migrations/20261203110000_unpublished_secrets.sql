-- Secrets never leave PostgreSQL. Credential material (today the bearer
-- tokens' SHA-256, core.api_token.token_hash) is not published, so it never
-- reaches the warehouse, its marts, exports or backups.
--
-- PostgreSQL 15 refuses column lists in a publication that also publishes
-- TABLES IN SCHEMA, so cch_pub becomes an explicit list of every table of
-- the business schemas (partitioned tables by their root: the publication
-- keeps publish_via_partition_root), with a column list for each table
-- holding a secret column. core.publish_tables() computes that list from
-- the catalogue; a migration that adds a table or a column to a table with
-- a secret calls it again (a test fails when a business table or column is
-- neither published nor declared secret in core.secret_columns()).

CREATE OR REPLACE FUNCTION core.secret_columns()
RETURNS TABLE (rel regclass, col name)
LANGUAGE sql STABLE
AS $$
  VALUES ('core.api_token'::regclass, 'token_hash'::name)
$$;
COMMENT ON FUNCTION core.secret_columns() IS
  'Credential columns that are never published to CDC (cch_pub); core.publish_tables() leaves them out.';

CREATE OR REPLACE PROCEDURE core.publish_tables()
LANGUAGE plpgsql
AS $$
DECLARE
  objects text;
BEGIN
  SELECT string_agg(c.oid::regclass::text || coalesce(' (' || cols.list || ')', ''), ', ' ORDER BY n.nspname, c.relname)
  INTO objects
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN LATERAL (
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS list
    FROM pg_attribute a
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      AND NOT EXISTS (SELECT 1 FROM core.secret_columns() s WHERE s.rel = c.oid AND s.col = a.attname)
      AND EXISTS (SELECT 1 FROM core.secret_columns() s WHERE s.rel = c.oid)
  ) cols ON true
  WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
    AND c.relkind IN ('r', 'p') AND NOT c.relispartition;
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'cch_pub') THEN
    EXECUTE 'CREATE PUBLICATION cch_pub FOR TABLE ' || objects || ' WITH (publish_via_partition_root = true)';
  ELSE
    EXECUTE 'ALTER PUBLICATION cch_pub SET TABLE ' || objects;
    ALTER PUBLICATION cch_pub SET (publish_via_partition_root = true);
  END IF;
END
$$;
REVOKE ALL ON PROCEDURE core.publish_tables() FROM PUBLIC;

CALL core.publish_tables();

-- The replication role cannot read a secret column either: a publication
-- that sent one would fail its initial copy instead of leaking it.
REVOKE SELECT ON core.api_token FROM cch_replicator;
GRANT SELECT (id, organisation_id, staff_id, role, label, expires_at, revoked_at, last_used_at, created_at)
  ON core.api_token TO cch_replicator;

CALL core.claim_ownership();
