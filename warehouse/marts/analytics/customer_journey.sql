-- Stage durations of repair orders (hours) and satisfaction by waiting:
-- open → invoiced, invoiced → closed, and CSAT per bucket of open → invoiced.
SELECT branch_id,
       CASE WHEN open_to_invoiced_hours < 4 THEN '0-4h' WHEN open_to_invoiced_hours < 8 THEN '4-8h'
            WHEN open_to_invoiced_hours < 24 THEN '8-24h' ELSE '24h+' END AS waiting,
       count(*) AS repair_orders, avg(open_to_invoiced_hours) AS avg_open_to_invoiced_hours,
       avg(invoiced_to_closed_hours) AS avg_invoiced_to_closed_hours, avg(csat) AS csat
FROM mart.repair_order_journey
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY branch_id, min(open_to_invoiced_hours)
