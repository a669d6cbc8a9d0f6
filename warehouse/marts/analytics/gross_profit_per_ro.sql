SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       count(*) AS repair_orders_invoiced, sum(revenue) AS repair_order_revenue,
       sum(parts_cost) AS parts_cost, sum(labour_cost) AS technician_labour_cost, sum(sublet_cost) AS sublet_cost,
       sum(gross_profit) AS gross_profit,
       mart.ratio(sum(gross_profit), count(*)) AS gross_profit_per_ro
FROM mart.repair_order_financials
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  AND revenue <> 0
GROUP BY ALL
ORDER BY period, branch_id
