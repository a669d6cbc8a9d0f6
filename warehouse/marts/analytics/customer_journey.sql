-- Stage durations of repair orders (hours) and satisfaction by waiting:
-- open → invoiced, invoiced → closed, and CSAT per bucket of open → invoiced.
WITH ro AS (
  SELECT r.branch_id, r.id, mart.local_day(r.opened_at, b.timezone) AS day,
         mart.hours(r.opened_at, r.invoiced_at) AS open_to_invoiced_hours,
         mart.hours(r.invoiced_at, r.closed_at) AS invoiced_to_closed_hours,
         (SELECT avg(f.csat_score) FROM core.customer_feedback f WHERE f.repair_order_id = r.id) AS csat
  FROM workshop.repair_order r JOIN core.branch b ON b.id = r.branch_id
  WHERE r.organisation_id = $org AND mart.in_scope(r.branch_id, $branches) AND r.invoiced_at IS NOT NULL
)
SELECT branch_id,
       CASE WHEN open_to_invoiced_hours < 4 THEN '0-4h' WHEN open_to_invoiced_hours < 8 THEN '4-8h'
            WHEN open_to_invoiced_hours < 24 THEN '8-24h' ELSE '24h+' END AS waiting,
       count(*) AS repair_orders, avg(open_to_invoiced_hours) AS avg_open_to_invoiced_hours,
       avg(invoiced_to_closed_hours) AS avg_invoiced_to_closed_hours, avg(csat) AS csat
FROM ro WHERE day >= $from AND day < $to
GROUP BY ALL
ORDER BY branch_id, min(open_to_invoiced_hours)
