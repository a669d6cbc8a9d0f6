-- Customer marts: one row per issued invoice (repair order or ride) of a
-- customer, the unit of revenue, gross profit and visits. An invoice is
-- paid when it has a positive total and allocations cover it. Revenue and
-- gross profit are net of the invoice's credit notes (refunds), on the
-- invoice's day. gross_profit here is before chauffeur pay, which is
-- masked from the front desk: the financial analytics subtract
-- mart.invoice_chauffeur_pay (a ride is not 100% margin).

CREATE OR REPLACE VIEW mart_view.customer_invoices AS
WITH lines AS (
  SELECT invoice_id, sum(net_amount) AS revenue, sum(net_amount - coalesce(cost_amount, 0)) AS gross_profit
  FROM finance.invoice_line GROUP BY 1
),
credits AS (
  SELECT invoice_id, sum(net_amount) AS credited FROM finance.credit_note GROUP BY 1
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
       CAST(coalesce(l.revenue, 0) - coalesce(c.credited, 0) AS DOUBLE) AS revenue,
       CAST(coalesce(l.gross_profit, 0) - coalesce(c.credited, 0) AS DOUBLE) AS gross_profit,
       i.gross_total > 0 AND coalesce(p.paid, 0) >= i.gross_total AS paid
FROM base i
LEFT JOIN off o ON o.tz = i.tz AND o.k = mart.utc_day_key(i.issued_at)
LEFT JOIN lines l ON l.invoice_id = i.id
LEFT JOIN credits c ON c.invoice_id = i.id
LEFT JOIN paid p ON p.invoice_id = i.id;

-- Visits: the distinct days a customer was invoiced for a repair order or
-- a ride, at any branch of the organisation, with the days since the
-- customer's previous visit (gap; NULL on the first). The
-- organisation-wide customer analytics (churn rule, RFM, churn model) read
-- it when no branch filter is given.
CREATE OR REPLACE VIEW mart_view.customer_visits AS
WITH v AS (
  SELECT organisation_id, customer_id, day, sum(revenue) AS revenue, sum(gross_profit) AS gross_profit,
         bool_or(paid) AS paid
  FROM mart.customer_invoices
  GROUP BY ALL
)
SELECT *, date_diff('day', lag(day) OVER (PARTITION BY organisation_id, customer_id ORDER BY day), day) AS gap
FROM v
ORDER BY organisation_id, customer_id, day;


-- Customer feedback on the branch's local day it was received.
CREATE OR REPLACE VIEW mart_view.feedback AS
WITH base AS (
  SELECT f.organisation_id, f.branch_id, f.repair_order_id, f.csat_score, f.received_at, b.timezone AS tz
  FROM core.customer_feedback f JOIN core.branch b ON b.id = f.branch_id
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(received_at) AS k FROM base)
)
SELECT f.organisation_id, f.branch_id, f.repair_order_id,
       mart.local_day_at(f.received_at, f.tz, o.o0, o.o1) AS day, f.csat_score
FROM base f LEFT JOIN off o ON o.tz = f.tz AND o.k = mart.utc_day_key(f.received_at);

-- Invoiced repair orders on the local day they opened, with their stage
-- durations (hours) and CSAT (the mean score of their feedback). A repair
-- order is invoiced at its invoiced_at or, where that was never recorded,
-- when its first issued invoice was issued.
CREATE OR REPLACE VIEW mart_view.repair_order_journey AS
WITH issued AS (
  SELECT repair_order_id, min(issued_at) AS issued_at FROM finance.invoice
  WHERE status = 'issued' AND repair_order_id IS NOT NULL GROUP BY 1
),
base AS (
  SELECT r.organisation_id, r.branch_id, r.id, r.opened_at, coalesce(r.invoiced_at, i.issued_at) AS invoiced_at,
         r.closed_at, b.timezone AS tz
  FROM workshop.repair_order r JOIN core.branch b ON b.id = r.branch_id
  LEFT JOIN issued i ON i.repair_order_id = r.id
  WHERE coalesce(r.invoiced_at, i.issued_at) IS NOT NULL
),
csat AS (
  SELECT repair_order_id, avg(csat_score) AS csat FROM core.customer_feedback
  WHERE repair_order_id IS NOT NULL GROUP BY 1
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(opened_at) AS k FROM base)
)
SELECT r.organisation_id, r.branch_id, r.id AS repair_order_id,
       mart.local_day_at(r.opened_at, r.tz, o.o0, o.o1) AS day,
       mart.hours(r.opened_at, r.invoiced_at) AS open_to_invoiced_hours,
       mart.hours(r.invoiced_at, r.closed_at) AS invoiced_to_closed_hours,
       c.csat
FROM base r
LEFT JOIN off o ON o.tz = r.tz AND o.k = mart.utc_day_key(r.opened_at)
LEFT JOIN csat c ON c.repair_order_id = r.id;
