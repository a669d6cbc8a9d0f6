package migrations

// partitionArchiveSQL makes the only way a month of a time-series table
// leaves the database: cch_partition.archive_partition, a SECURITY DEFINER
// function owned by the memberless cch_partition_mover (made by
// partitionMoverSQL) that cch_owner may execute. Given a past month's
// partition, the row count and the SHA-256 of the Parquet file `cch
// archive` wrote and read back, it locks the partition, checks the count,
// records the archive (cch_partition.archived_partition) and, for the audit
// log, the chain anchors (cch_partition.chain_anchor: every archived entry
// whose successor in its organisation's chain stays, and the chain head),
// then detaches and drops the partition. audit.verify_chain links the
// remaining entries through the anchors, so the chain still verifies
// across archived months, while a partition dropped any other way leaves a
// gap it reports. Both tables belong to cch_partition_mover: the owner
// reads them and cannot change them.
//
// Created once, like split_default_partition (a new version needs a new
// name or a superuser step).
const partitionArchiveSQL = `
DO $do$
BEGIN
  IF to_regnamespace('cch_partition') IS NULL
     OR to_regprocedure('cch_partition.archive_partition(regclass, bigint, text)') IS NOT NULL THEN
    RETURN;
  END IF;
  CREATE TABLE IF NOT EXISTS cch_partition.chain_anchor (
    organisation_id bigint NOT NULL,
    entry_id bigint NOT NULL,
    hash bytea NOT NULL,
    archived_partition text NOT NULL,
    PRIMARY KEY (organisation_id, entry_id));
  COMMENT ON TABLE cch_partition.chain_anchor IS 'Audit chain anchors of archived months: every archived staff_audit_log entry whose successor in its organisation''s chain is still in the database (and the chain head), so audit.verify_chain links across archived months.';
  CREATE TABLE IF NOT EXISTS cch_partition.archived_partition (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partition text NOT NULL,
    parent text NOT NULL,
    month_start timestamptz NOT NULL,
    month_end timestamptz NOT NULL,
    row_count bigint NOT NULL,
    sha256 text NOT NULL,
    anchors bigint NOT NULL,
    archived_at timestamptz NOT NULL DEFAULT now());
  COMMENT ON TABLE cch_partition.archived_partition IS 'Months moved to Parquet by cch archive: the file''s SHA-256 and row count (a month re-created and archived again has a second row).';
  ALTER TABLE cch_partition.chain_anchor OWNER TO cch_partition_mover;
  ALTER TABLE cch_partition.archived_partition OWNER TO cch_partition_mover;
  -- Whoever verifies the chain or signs its head reads the anchors.
  GRANT USAGE ON SCHEMA cch_partition TO cch_auditor, cch_manager, cch_worker;
  GRANT SELECT ON cch_partition.chain_anchor TO cch_owner, cch_auditor, cch_manager, cch_worker;
  GRANT SELECT ON cch_partition.archived_partition TO cch_owner;

  CREATE FUNCTION cch_partition.archive_partition(p_partition regclass, p_rows bigint, p_sha256 text)
  RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET "TimeZone" = 'UTC' SET "DateStyle" = 'ISO, MDY' AS $fn$
  DECLARE
    nsp text;
    rel text;
    parent regclass;
    prel text;
    bound text;
    lo timestamptz;
    n bigint;
    anchors bigint := 0;
  BEGIN
    SELECT ns.nspname, c.relname, i.inhparent::regclass, pc.relname, pg_get_expr(c.relpartbound, c.oid)
      INTO nsp, rel, parent, prel, bound
    FROM pg_class c
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    JOIN pg_inherits i ON i.inhrelid = c.oid
    JOIN pg_class pc ON pc.oid = i.inhparent
    JOIN pg_partitioned_table pt ON pt.partrelid = pc.oid AND pt.partstrat = 'r'
    WHERE c.oid = p_partition AND c.relispartition AND NOT pc.relispartition
      AND ns.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit');
    IF rel IS NULL OR left(rel, length(prel) + 1) <> prel || '_' OR substr(rel, length(prel) + 2) !~ '^[0-9]{6}$' THEN
      RAISE EXCEPTION 'archive_partition: % is not a monthly partition of a business table', p_partition
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lo := to_timestamp(right(rel, 6), 'YYYYMM');
    IF bound IS DISTINCT FROM format('FOR VALUES FROM (%L) TO (%L)', lo, lo + interval '1 month')
       OR lo + interval '1 month' > date_trunc('month', now())
       OR p_sha256 IS NULL OR p_sha256 !~ '^[0-9a-f]{64}$' OR p_rows IS NULL THEN
      RAISE EXCEPTION 'archive_partition: % is not a past month''s partition (bounds %), or the checksum % is not a SHA-256',
        p_partition, bound, p_sha256 USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', p_partition);
    EXECUTE format('SELECT count(*) FROM %s', p_partition) INTO n;
    IF n <> p_rows THEN
      RAISE EXCEPTION 'archive_partition: % holds % rows, the archive %', p_partition, n, p_rows
        USING ERRCODE = 'data_exception';
    END IF;
    IF parent = 'audit.staff_audit_log'::regclass THEN
      EXECUTE format($q$
        INSERT INTO cch_partition.chain_anchor (organisation_id, entry_id, hash, archived_partition)
        SELECT e.organisation_id, e.id, e.hash, %L FROM %s e
        WHERE NOT EXISTS (
          SELECT 1 FROM %s s
          WHERE s.organisation_id = e.organisation_id
            AND s.id = (SELECT min(x.id) FROM audit.staff_audit_log x
                        WHERE x.organisation_id = e.organisation_id AND x.id > e.id))
        ON CONFLICT DO NOTHING$q$, nsp || '.' || rel, p_partition, p_partition);
      GET DIAGNOSTICS anchors = ROW_COUNT;
    END IF;
    INSERT INTO cch_partition.archived_partition (partition, parent, month_start, month_end, row_count, sha256, anchors)
    VALUES (nsp || '.' || rel, parent::text, lo, lo + interval '1 month', n, p_sha256, anchors);
    EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, p_partition);
    EXECUTE format('DROP TABLE %s', p_partition);
    RETURN n;
  END
  $fn$;
  ALTER FUNCTION cch_partition.archive_partition(regclass, bigint, text) OWNER TO cch_partition_mover;
  REVOKE ALL ON FUNCTION cch_partition.archive_partition(regclass, bigint, text) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION cch_partition.archive_partition(regclass, bigint, text) TO cch_owner;
END
$do$;
`
