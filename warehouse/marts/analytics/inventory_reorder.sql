-- Per branch × part as of `to`: average and σ of daily usage over the last
-- 90 days (days without usage count as 0), the computed reorder point =
-- average daily demand × lead time + 1.65 × σ × √lead time (as PostgreSQL's
-- inventory.computed_reorder_points, which POST /v1/stock/reorder-points
-- writes back), days of cover = on hand ÷ average daily usage over 28 days,
-- stockout. reorder_alert flags as /v1/stock/reorder-suggestions does: free
-- stock (on hand − reserved) at or below the reorder point in force
-- (configured_reorder_point), when one is set; computed_reorder_alert is the
-- same test against the computed point, before it is written back.
WITH u AS (
  SELECT branch_id, part_id,
         sum(quantity_used) FILTER (WHERE day >= CAST($to AS DATE) - 90) AS used_90,
         sum(quantity_used * quantity_used) FILTER (WHERE day >= CAST($to AS DATE) - 90) AS used_sq_90,
         sum(quantity_used) FILTER (WHERE day >= CAST($to AS DATE) - 28) AS used_28
  FROM mart.part_usage
  WHERE organisation_id = $org AND day < $to AND day >= CAST($to AS DATE) - 90
  GROUP BY ALL
),
s AS (
  SELECT sl.branch_id, sl.part_id, p.part_number, p.name AS part_name, p.is_critical,
         CAST(sl.on_hand AS DOUBLE) AS on_hand, CAST(sl.reserved AS DOUBLE) AS reserved,
         CAST(sl.reorder_point AS DOUBLE) AS configured_reorder_point,
         coalesce(lt.lead_time_days, 0) AS lead_time_days,
         coalesce(u.used_90, 0) / 90.0 AS average_daily_demand,
         sqrt(greatest(0.0, (coalesce(u.used_sq_90, 0) - coalesce(u.used_90, 0) * coalesce(u.used_90, 0) / 90.0) / 89.0)) AS daily_demand_stddev,
         coalesce(u.used_28, 0) / 28.0 AS average_daily_usage_28d
  FROM inventory.stock_level sl
  JOIN inventory.part p ON p.id = sl.part_id
  LEFT JOIN mart.part_lead_time lt ON lt.part_id = sl.part_id
  LEFT JOIN u ON u.branch_id = sl.branch_id AND u.part_id = sl.part_id
  WHERE sl.organisation_id = $org AND mart.in_scope(sl.branch_id, $branches)
)
SELECT *,
       average_daily_demand * lead_time_days + 1.65 * daily_demand_stddev * sqrt(lead_time_days) AS reorder_point,
       mart.ratio(on_hand, average_daily_usage_28d) AS days_of_cover,
       on_hand - reserved <= 0 AS stockout,
       on_hand - reserved <= configured_reorder_point AND configured_reorder_point > 0 AS reorder_alert,
       on_hand - reserved <= average_daily_demand * lead_time_days + 1.65 * daily_demand_stddev * sqrt(lead_time_days)
         AND average_daily_demand * lead_time_days + 1.65 * daily_demand_stddev * sqrt(lead_time_days) > 0 AS computed_reorder_alert
FROM s
ORDER BY branch_id, part_id
