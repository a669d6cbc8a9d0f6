-- Branches side by side over [from, to), ranked by revenue (rank 1 = best
-- on each rank column; comeback rate ranks lowest first). Revenue and gross
-- margin cover both lines of business, as revenue_trend does, with each
-- line's revenue beside them; ARO, car count, bays and comebacks are the
-- workshop's.
WITH inv AS (
  SELECT branch_id, sum(revenue) AS revenue, sum(gross_profit - coalesce(p.chauffeur_pay, 0)) AS gross_profit,
         coalesce(sum(revenue) FILTER (WHERE line_of_business = 'workshop'), 0) AS workshop_revenue,
         coalesce(sum(revenue) FILTER (WHERE line_of_business = 'chauffeur'), 0) AS chauffeur_revenue
  FROM mart.customer_invoices i LEFT JOIN mart.invoice_chauffeur_pay p ON p.invoice_id = i.invoice_id
  WHERE organisation_id = $org AND day >= $from AND day < $to GROUP BY 1
),
ro AS (
  SELECT branch_id, count(*) FILTER (WHERE revenue <> 0) AS ros, sum(revenue) FILTER (WHERE revenue <> 0) AS aro_revenue
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
         coalesce(inv.revenue, 0) AS revenue, coalesce(inv.workshop_revenue, 0) AS workshop_revenue,
         coalesce(inv.chauffeur_revenue, 0) AS chauffeur_revenue, mart.ratio(inv.gross_profit, inv.revenue) AS gross_margin,
         coalesce(cc.car_count, 0) AS car_count, mart.ratio(ro.aro_revenue, ro.ros) AS average_repair_order,
         bay.bay_utilisation, staff.staff_utilisation, csat.csat, cb.comeback_rate
  FROM core.branch br
  LEFT JOIN inv ON inv.branch_id = br.id LEFT JOIN ro ON ro.branch_id = br.id LEFT JOIN cc ON cc.branch_id = br.id LEFT JOIN bay ON bay.branch_id = br.id
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
