-- Append-only tables without a session-setting bypass (hand-written).
--
-- The APPEND trigger let any cch_owner session that set
-- cch.partition_maintenance = on delete rows, e.g. the newest audit
-- entries. Now the only exception is a row leaving a DEFAULT partition
-- while the executing role is cch_partition_mover, and the only code that
-- runs as that role is core.split_default_partition: a SECURITY DEFINER
-- function owned by cch_partition_mover that moves one month's rows out of
-- a DEFAULT partition into a new partition for that month in one statement
-- sequence (same rows, same audit hashes; nothing can be dropped on the
-- way). Nobody is a member of cch_partition_mover, so no session can act
-- as it; EXECUTE is granted to cch_owner, whose core.ensure_partitions
-- calls it. claim_ownership leaves that function's owner alone.
--
-- What this cannot stop: a superuser (or the tables' owner) can still
-- disable triggers. The signed chain-head checkpoints kept outside the
-- database (cch audit checkpoint / verify) detect what such a session does
-- to the log.

DO $$
BEGIN
  CREATE ROLE cch_partition_mover NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- created earlier or concurrently by another database's migration
END
$$;
ALTER ROLE cch_partition_mover NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
-- Owner rights (create partitions, move rows) while running the function.
DO $$
BEGIN
  GRANT cch_owner TO cch_partition_mover;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

CREATE OR REPLACE FUNCTION core.reject_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_user = 'cch_partition_mover' AND TG_TABLE_NAME LIKE '%\_default' THEN
    RETURN OLD; -- core.split_default_partition moving a month out of DEFAULT
  END IF;
  RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Moves the rows of [p_lo, p_hi) out of p_parent's DEFAULT partition into a
-- new partition p_parent_YYYYMM... named p_child, created for that range.
CREATE OR REPLACE FUNCTION core.split_default_partition(p_parent regclass, p_child text, p_lo timestamptz, p_hi timestamptz)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  nsp text;
  rel text;
  key text;
  moved bigint;
BEGIN
  SELECT n.nspname, c.relname, a.attname INTO nsp, rel, key
  FROM pg_partitioned_table pt
  JOIN pg_class c ON c.oid = pt.partrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
  WHERE c.oid = p_parent AND pt.partstrat = 'r' AND NOT c.relispartition
    AND n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit');
  IF rel IS NULL OR p_lo IS NULL OR p_hi IS NULL OR p_lo >= p_hi
     OR p_child IS DISTINCT FROM rel || '_' || to_char(p_lo AT TIME ZONE 'UTC', 'YYYYMM')
     OR to_regclass(format('%I.%I', nsp, rel || '_default')) IS NULL THEN
    RAISE EXCEPTION 'split_default_partition: % is not a range-partitioned business table with a DEFAULT partition, or % [%, %) is not its month',
      p_parent, p_child, p_lo, p_hi USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('CREATE TEMP TABLE cch_partition_move (LIKE %s) ON COMMIT DROP', p_parent);
  EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO pg_temp.cch_partition_move SELECT * FROM moved',
                 nsp, rel || '_default', key, key) USING p_lo, p_hi;
  GET DIAGNOSTICS moved = ROW_COUNT;
  EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', nsp, p_child, p_parent, p_lo, p_hi);
  EXECUTE format('INSERT INTO %I.%I OVERRIDING SYSTEM VALUE SELECT * FROM pg_temp.cch_partition_move', nsp, p_child);
  DROP TABLE pg_temp.cch_partition_move;
  -- As if cch_owner had created it (owner, and the CDC login's SELECT).
  EXECUTE format('ALTER TABLE %I.%I OWNER TO cch_owner', nsp, p_child);
  EXECUTE format('GRANT SELECT ON %I.%I TO cch_replicator', nsp, p_child);
  RETURN moved;
END
$$;
ALTER FUNCTION core.split_default_partition(regclass, text, timestamptz, timestamptz) OWNER TO cch_partition_mover;
REVOKE ALL ON FUNCTION core.split_default_partition(regclass, text, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.split_default_partition(regclass, text, timestamptz, timestamptz) TO cch_owner;

CREATE OR REPLACE FUNCTION core.ensure_partitions(months_ahead integer, months_back integer DEFAULT 0)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  p record;
  i integer;
  m timestamp;
  lo timestamptz;
  hi timestamptz;
  child text;
  dflt text;
  has_rows boolean;
BEGIN
  IF months_ahead NOT BETWEEN 0 AND 120 OR months_back NOT BETWEEN 0 AND 240 THEN
    RAISE EXCEPTION 'ensure_partitions: months_ahead must be 0..120 and months_back 0..240' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR p IN
    SELECT c.oid::regclass AS parent, n.nspname AS nsp, c.relname AS rel, a.attname AS key
    FROM pg_partitioned_table pt
    JOIN pg_class c ON c.oid = pt.partrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND pt.partstrat = 'r' AND NOT c.relispartition
    ORDER BY 1
  LOOP
    dflt := p.rel || '_default';
    IF to_regclass(format('%I.%I', p.nsp, dflt)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT', p.nsp, dflt, p.parent);
      RETURN NEXT format('%I.%I', p.nsp, dflt);
    END IF;
    FOR i IN -months_back..months_ahead LOOP
      m := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
      lo := m AT TIME ZONE 'UTC';
      hi := (m + interval '1 month') AT TIME ZONE 'UTC';
      child := p.rel || '_' || to_char(m, 'YYYYMM');
      CONTINUE WHEN to_regclass(format('%I.%I', p.nsp, child)) IS NOT NULL;
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE %I >= $1 AND %I < $2)', p.nsp, dflt, p.key, p.key)
        INTO has_rows USING lo, hi;
      IF NOT has_rows THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', p.nsp, child, p.parent, lo, hi);
      ELSE
        PERFORM core.split_default_partition(p.parent, child, lo, hi);
      END IF;
      RETURN NEXT format('%I.%I', p.nsp, child);
    END LOOP;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION core.ensure_partitions(integer, integer) FROM PUBLIC;

-- claim_ownership: as before, but the partition mover's function keeps its
-- owner.
CREATE OR REPLACE PROCEDURE core.claim_ownership()
LANGUAGE plpgsql
AS $$
DECLARE
  o record;
BEGIN
  FOR o IN
    SELECT n.nspname FROM pg_namespace n
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND n.nspowner <> 'cch_owner'::regrole
  LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO cch_owner', o.nspname);
  END LOOP;
  FOR o IN
    SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relowner <> 'cch_owner'::regrole
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO cch_owner', o.rel);
  END LOOP;
  FOR o IN
    SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND c.relkind = 'S' AND c.relowner <> 'cch_owner'::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO cch_owner', o.rel);
  END LOOP;
  FOR o IN
    SELECT t.oid::regtype AS typ FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND t.typtype IN ('e', 'd') AND t.typowner <> 'cch_owner'::regrole
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO cch_owner', o.typ);
  END LOOP;
  FOR o IN
    SELECT p.oid::regprocedure AS fn, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND p.proowner <> 'cch_owner'::regrole
      AND p.proowner <> 'cch_partition_mover'::regrole
      AND p.oid <> 'core.claim_ownership()'::regprocedure
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO cch_owner', CASE o.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, o.fn);
  END LOOP;
END
$$;
REVOKE ALL ON PROCEDURE core.claim_ownership() FROM PUBLIC;

CALL core.claim_ownership();
