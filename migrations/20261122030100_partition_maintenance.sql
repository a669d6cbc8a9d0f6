-- Partition maintenance fix (hand-written): core.ensure_partitions moved
-- rows out of a DEFAULT partition by attaching a pre-filled table, whose
-- foreign-key validation runs under FORCE ROW LEVEL SECURITY as cch_owner
-- and saw no parent rows. It now moves the rows through a temporary table
-- into a partition created empty. Behaviour is otherwise unchanged (see
-- 20261122015800_functions_triggers.sql).

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
        -- Move the month's rows out of DEFAULT through a temporary table,
        -- create the partition, put them back. (Attaching a pre-filled table
        -- would validate its foreign keys under FORCE ROW LEVEL SECURITY and
        -- see no parent rows.)
        EXECUTE format('CREATE TEMP TABLE cch_partition_move (LIKE %s) ON COMMIT DROP', p.parent);
        PERFORM set_config('cch.partition_maintenance', 'on', true);
        EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO pg_temp.cch_partition_move SELECT * FROM moved',
                       p.nsp, dflt, p.key, p.key) USING lo, hi;
        PERFORM set_config('cch.partition_maintenance', 'off', true);
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', p.nsp, child, p.parent, lo, hi);
        EXECUTE format('INSERT INTO %I.%I OVERRIDING SYSTEM VALUE SELECT * FROM pg_temp.cch_partition_move', p.nsp, child);
        DROP TABLE pg_temp.cch_partition_move;
      END IF;
      RETURN NEXT format('%I.%I', p.nsp, child);
    END LOOP;
  END LOOP;
END
$$;

REVOKE ALL ON FUNCTION core.ensure_partitions(integer, integer) FROM PUBLIC;

CALL core.claim_ownership();
