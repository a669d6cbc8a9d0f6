-- Append-only tables without a session-setting bypass (hand-written).
--
-- The APPEND trigger let any cch_owner session that set
-- cch.partition_maintenance = on delete rows, e.g. the newest audit
-- entries. Now the only exception is a row leaving a DEFAULT partition
-- while the executing role is cch_partition_mover, and the only code that
-- runs as that role is cch_partition.split_default_partition: a SECURITY DEFINER
-- function owned by cch_partition_mover that moves one month's rows out of
-- a DEFAULT partition into a new partition for that month in one statement
-- sequence (same rows, same audit hashes; nothing can be dropped on the
-- way). Nobody is a member of cch_partition_mover, so no session can act
-- as it; EXECUTE is granted to cch_owner, whose core.ensure_partitions
-- calls it. It lives in its own schema, cch_partition, out of
-- claim_ownership's reach.
--
-- What this cannot stop: a superuser (or the tables' owner) can still
-- disable triggers. The signed chain-head checkpoints kept outside the
-- database (cch audit checkpoint / verify) detect what such a session does
-- to the log.

-- cch_partition_mover and cch_partition.split_default_partition are made by the
-- superuser bootstrap (migrations.BootstrapSQL): only a superuser may create
-- a role and give a function to a role nobody is a member of.

CREATE OR REPLACE FUNCTION core.reject_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_user = 'cch_partition_mover' AND TG_TABLE_NAME LIKE '%\_default' THEN
    RETURN OLD; -- cch_partition.split_default_partition moving a month out of DEFAULT
  END IF;
  RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

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
        PERFORM cch_partition.split_default_partition(p.parent, child, lo, hi);
      END IF;
      RETURN NEXT format('%I.%I', p.nsp, child);
    END LOOP;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION core.ensure_partitions(integer, integer) FROM PUBLIC;


CALL core.claim_ownership();
