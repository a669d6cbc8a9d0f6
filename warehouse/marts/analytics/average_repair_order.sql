-- ARO: revenue net of tax (sublet included) ÷ repair orders invoiced; $0
-- (internal / warranty) repair orders are left out of both.
SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       count(*) AS repair_orders_invoiced, sum(revenue) AS repair_order_revenue,
       mart.ratio(sum(revenue), count(*)) AS average_repair_order
FROM mart.repair_order_financials
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  AND revenue <> 0
GROUP BY ALL
ORDER BY period, branch_id
