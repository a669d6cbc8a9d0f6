-- Branches side by side over [from, to), ranked by revenue (rank 1 = best
-- on each rank column; comeback rate ranks lowest first).
WITH ro AS (
  SELECT branch_id, sum(revenue) AS revenue, sum(revenue) - sum(parts_cost + labour_cost + sublet_cost) AS gross_profit,
         count(*) FILTER (WHERE revenue <> 0) AS ros, sum(revenue) FILTER (WHERE revenue <> 0) AS aro_revenue
  FROM mart.repair_order_financials WHERE organisation_id = $org AND day >= $from AND day < $to GROUP BY 1
),
cc AS (SELECT branch_id, sum(car_count) AS car_count FROM mart.car_count WHERE organisation_id = $org AND day >= $from AND day < $to GROUP BY 1),
bay AS (SELECT branch_id, mart.ratio(sum(occupied_bay_hours), sum(bay_hours_open)) AS bay_utilisation
        FROM mart.bay_hours WHERE organisation_id = $org AND day >= $from AND day < $to GROUP BY 1),
staff AS (SELECT branch_id, mart.ratio(sum(productive_rostered_hours), sum(rostered_hours)) AS staff_utilisation
          FROM mart.rostered_hours WHERE organisation_id = $org AND day >= $from AND day < $to GROUP BY 1),
csat AS (SELECT branch_id, avg(csat_score) AS csat FROM mart.feedback
         WHERE organisation_id = $org AND csat_score IS NOT NULL AND day >= $from AND day < $to GROUP BY 1),
cb AS (SELECT branch_id, mart.ratio(count(*) FILTER (WHERE is_comeback), count(*)) AS comeback_rate
       FROM mart.repair_order_closures WHERE organisation_id = $org AND day >= $from AND day < $to GROUP BY 1),
b AS (
  SELECT br.id AS branch_id, br.code AS branch_code, br.name AS branch_name,
         coalesce(ro.revenue, 0) AS revenue, mart.ratio(ro.gross_profit, ro.revenue) AS gross_margin,
         coalesce(cc.car_count, 0) AS car_count, mart.ratio(ro.aro_revenue, ro.ros) AS average_repair_order,
         bay.bay_utilisation, staff.staff_utilisation, csat.csat, cb.comeback_rate
  FROM core.branch br
  LEFT JOIN ro ON ro.branch_id = br.id LEFT JOIN cc ON cc.branch_id = br.id LEFT JOIN bay ON bay.branch_id = br.id
  LEFT JOIN staff ON staff.branch_id = br.id LEFT JOIN csat ON csat.branch_id = br.id LEFT JOIN cb ON cb.branch_id = br.id
  WHERE br.organisation_id = $org AND mart.in_scope(br.id, $branches)
)
SELECT *,
       rank() OVER (ORDER BY revenue DESC) AS revenue_rank,
       rank() OVER (ORDER BY gross_margin DESC NULLS LAST) AS gross_margin_rank,
       rank() OVER (ORDER BY car_count DESC) AS car_count_rank,
       rank() OVER (ORDER BY average_repair_order DESC NULLS LAST) AS average_repair_order_rank,
       rank() OVER (ORDER BY bay_utilisation DESC NULLS LAST) AS bay_utilisation_rank,
       rank() OVER (ORDER BY staff_utilisation DESC NULLS LAST) AS staff_utilisation_rank,
       rank() OVER (ORDER BY csat DESC NULLS LAST) AS csat_rank,
       rank() OVER (ORDER BY comeback_rate ASC NULLS LAST) AS comeback_rate_rank
FROM b
ORDER BY revenue_rank, branch_id
