-- The computed reorder point (hand-written): average daily demand × lead
-- time + 1.65 × σ(daily demand) × √lead time, over the 90 local days before
-- p_as_of (days without usage count as 0; usage = issues net of returns),
-- lead time the preferred supplier's, else the shortest. The warehouse's
-- inventory_reorder analytic computes the same (a test compares them);
-- the API writes it back to stock_level.reorder_point, the point in force
-- both flag on. Re-runnable.
CREATE OR REPLACE FUNCTION inventory.computed_reorder_points(p_branch_id bigint, p_as_of date)
RETURNS TABLE (part_id bigint, lead_time_days integer, average_daily_demand double precision,
               daily_demand_stddev double precision, reorder_point double precision)
LANGUAGE sql STABLE AS $$
  WITH usage AS (
    SELECT t.part_id, (t.occurred_at AT TIME ZONE b.timezone)::date AS day, -sum(t.quantity)::float8 AS used
    FROM inventory.inventory_transaction t JOIN core.branch b ON b.id = t.branch_id
    WHERE t.branch_id = p_branch_id AND t.kind IN ('issue', 'return')
      -- a day early in UTC (every zone's local midnight is within a day of
      -- UTC's) so partitions prune; the local days decide
      AND t.occurred_at >= (p_as_of - 91)::timestamp AT TIME ZONE 'UTC'
      AND t.occurred_at < (p_as_of + 1)::timestamp AT TIME ZONE 'UTC'
      AND (t.occurred_at AT TIME ZONE b.timezone)::date >= p_as_of - 90
      AND (t.occurred_at AT TIME ZONE b.timezone)::date < p_as_of
    GROUP BY 1, 2),
  s AS (SELECT part_id, sum(used) AS s1, sum(used * used) AS s2 FROM usage GROUP BY 1),
  lead AS (SELECT DISTINCT ON (part_id) part_id, lead_time_days FROM inventory.supplier_part
           ORDER BY part_id, preferred DESC, lead_time_days),
  d AS (
    SELECT sl.part_id, coalesce(l.lead_time_days, 0) AS lead_time_days, coalesce(s.s1, 0) / 90.0 AS avg_demand,
           sqrt(greatest(0.0, (coalesce(s.s2, 0) - coalesce(s.s1, 0) * coalesce(s.s1, 0) / 90.0) / 89.0)) AS sd
    FROM inventory.stock_level sl
    LEFT JOIN s ON s.part_id = sl.part_id LEFT JOIN lead l ON l.part_id = sl.part_id
    WHERE sl.branch_id = p_branch_id)
  SELECT part_id, lead_time_days, avg_demand, sd, avg_demand * lead_time_days + 1.65 * sd * sqrt(lead_time_days)
  FROM d
$$;
COMMENT ON FUNCTION inventory.computed_reorder_points(bigint, date) IS
  'statistical reorder point per part of a branch as of a day: avg daily demand × lead time + 1.65 σ √lead time (90 days)';
REVOKE ALL ON FUNCTION inventory.computed_reorder_points(bigint, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION inventory.computed_reorder_points(bigint, date) TO cch_manager, cch_finance;
CALL core.claim_ownership();
