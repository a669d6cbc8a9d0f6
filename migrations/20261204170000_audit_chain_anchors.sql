-- The audit chain verifies across archived months (hand-written).
--
-- cch archive moves a past month of audit.staff_audit_log to Parquet through
-- cch_partition.archive_partition (superuser bootstrap, see
-- migrations.partitionArchiveSQL), which keeps the chain anchors in
-- cch_partition.chain_anchor: each archived entry whose successor stays,
-- and the chain head. verify_chain now links every remaining entry to its
-- predecessor among the remaining entries and the anchors; the chain head
-- may be an anchor. A partition dropped without archive_partition leaves no
-- anchors, and the first entry after it is reported as before.

CREATE OR REPLACE FUNCTION audit.verify_chain(p_organisation_id bigint DEFAULT NULL)
RETURNS TABLE (organisation_id bigint, entry_id bigint, occurred_at timestamptz, problem text)
LANGUAGE sql STABLE AS $$
  WITH c AS (
    SELECT l.organisation_id AS org, l.id, l.hash, true AS is_entry, l AS entry
    FROM audit.staff_audit_log l
    WHERE p_organisation_id IS NULL OR l.organisation_id = p_organisation_id
    UNION ALL
    SELECT a.organisation_id, a.entry_id, a.hash, false, NULL::audit.staff_audit_log
    FROM cch_partition.chain_anchor a
    WHERE p_organisation_id IS NULL OR a.organisation_id = p_organisation_id
  ), e AS (
    SELECT c.is_entry, c.entry, lag(c.hash) OVER w AS expected_prev
    FROM c
    WINDOW w AS (PARTITION BY c.org ORDER BY c.id)
  ), links AS (
    SELECT (e.entry).organisation_id, (e.entry).id, (e.entry).occurred_at,
           CASE
             WHEN (e.entry).prev_hash IS DISTINCT FROM e.expected_prev
               THEN 'prev_hash does not match the previous entry: an entry before it was deleted or altered'
             WHEN (e.entry).hash IS DISTINCT FROM sha256(coalesce((e.entry).prev_hash, ''::bytea) || audit.entry_payload(e.entry))
               THEN 'hash does not match the entry: the entry was modified'
           END AS problem
    FROM e
    WHERE e.is_entry
  ), tails AS (
    SELECT h.organisation_id, h.last_entry_id AS id, NULL::timestamptz AS occurred_at,
           'chain head points to entry ' || h.last_entry_id || ' but the last entry is ' || coalesce(t.id::text, 'missing')
             || ': latest entries were deleted' AS problem
    FROM audit.chain_head h
    LEFT JOIN LATERAL (
      SELECT x.id, x.hash FROM (
        (SELECT l.id, l.hash FROM audit.staff_audit_log l
         WHERE l.organisation_id = h.organisation_id ORDER BY l.id DESC LIMIT 1)
        UNION ALL
        (SELECT a.entry_id, a.hash FROM cch_partition.chain_anchor a
         WHERE a.organisation_id = h.organisation_id ORDER BY a.entry_id DESC LIMIT 1)
      ) x ORDER BY x.id DESC LIMIT 1) t ON true
    WHERE (p_organisation_id IS NULL OR h.organisation_id = p_organisation_id)
      AND h.last_entry_id <> 0
      AND (t.id IS DISTINCT FROM h.last_entry_id OR t.hash IS DISTINCT FROM h.last_hash)
  )
  SELECT * FROM (
    SELECT * FROM links WHERE problem IS NOT NULL
    UNION ALL
    SELECT * FROM tails
  ) b
  ORDER BY b.organisation_id, b.id
  LIMIT 1
$$;
