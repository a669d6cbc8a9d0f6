-- Customer marts: one row per issued invoice (repair order or ride) of a
-- customer, the unit of revenue, gross profit and visits. An invoice is
-- paid when it has a positive total and allocations cover it.

CREATE OR REPLACE VIEW mart.customer_invoices AS
WITH lines AS (
  SELECT invoice_id, sum(net_amount) AS revenue, sum(net_amount - coalesce(cost_amount, 0)) AS gross_profit
  FROM finance.invoice_line GROUP BY 1
),
paid AS (
  SELECT invoice_id, sum(amount) AS paid FROM finance.payment_allocation GROUP BY 1
),
base AS (
  SELECT i.organisation_id, i.branch_id, i.customer_id, i.id, i.repair_order_id, i.issued_at, i.gross_total,
         b.timezone AS tz
  FROM finance.invoice i
  JOIN core.branch b ON b.id = i.branch_id
  WHERE i.status = 'issued' AND i.customer_id IS NOT NULL
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(issued_at) AS k FROM base)
)
SELECT i.organisation_id, i.branch_id, i.customer_id, i.id AS invoice_id,
       CASE WHEN i.repair_order_id IS NOT NULL THEN 'workshop' ELSE 'chauffeur' END AS line_of_business,
       i.issued_at, mart.local_day_at(i.issued_at, i.tz, o.o0, o.o1) AS day,
       CAST(coalesce(l.revenue, 0) AS DOUBLE) AS revenue,
       CAST(coalesce(l.gross_profit, 0) AS DOUBLE) AS gross_profit,
       i.gross_total > 0 AND coalesce(p.paid, 0) >= i.gross_total AS paid
FROM base i
LEFT JOIN off o ON o.tz = i.tz AND o.k = mart.utc_day_key(i.issued_at)
LEFT JOIN lines l ON l.invoice_id = i.id
LEFT JOIN paid p ON p.invoice_id = i.id;

-- Visits: the distinct days a customer was invoiced for a repair order or a ride.
CREATE OR REPLACE VIEW mart.customer_visits AS
SELECT organisation_id, customer_id, day, sum(revenue) AS revenue, sum(gross_profit) AS gross_profit,
       bool_or(paid) AS paid
FROM mart.customer_invoices
GROUP BY ALL;
