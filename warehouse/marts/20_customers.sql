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

-- Visits: a customer visits a branch when a repair order is opened for
-- them there (whoever pays: warranty-only and internal work count) or a
-- ride they booked is completed, on the branch's local day. An invoice is
-- not a visit: a late-cancellation fee is charged for a ride that never
-- happened. One row per organisation, customer, day and branch, with the
-- net revenue issued on those repair orders' and rides' invoices less
-- their credit notes (the RFM monetary value; a refund lowers what a visit
-- was worth, it does not undo it). The customer analytics (churn rule, RFM, churn model)
-- read it; the resident histories (resident.go) are a copy of it.
CREATE OR REPLACE VIEW mart_view.customer_visits AS
WITH ev AS (
  SELECT r.organisation_id, r.branch_id, r.customer_id, r.opened_at AS happened_at, r.id AS repair_order_id,
         CAST(NULL AS BIGINT) AS ride_booking_id, b.timezone AS tz
  FROM workshop.repair_order r JOIN core.branch b ON b.id = r.branch_id
  UNION ALL
  SELECT rb.organisation_id, rb.branch_id, rb.booker_customer_id, rb.completed_at, NULL, rb.id, b.timezone
  FROM chauffeur.ride_booking rb JOIN core.branch b ON b.id = rb.branch_id
  WHERE rb.status = 'completed' AND rb.completed_at IS NOT NULL AND rb.booker_customer_id IS NOT NULL
),
lines AS (
  SELECT invoice_id, sum(net_amount) AS revenue FROM finance.invoice_line GROUP BY 1
),
credits AS (
  SELECT invoice_id, sum(net_amount) AS credited FROM finance.credit_note GROUP BY 1
),
billed AS (
  SELECT i.repair_order_id, i.ride_booking_id, sum(coalesce(l.revenue, 0) - coalesce(c.credited, 0)) AS revenue
  FROM finance.invoice i
  LEFT JOIN lines l ON l.invoice_id = i.id
  LEFT JOIN credits c ON c.invoice_id = i.id
  WHERE i.status = 'issued'
  GROUP BY 1, 2
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(happened_at) AS k FROM ev)
)
SELECT e.organisation_id, e.customer_id, mart.local_day_at(e.happened_at, e.tz, o.o0, o.o1) AS day, e.branch_id,
       CAST(coalesce(sum(coalesce(ro.revenue, rd.revenue)), 0) AS DOUBLE) AS revenue
FROM ev e
LEFT JOIN off o ON o.tz = e.tz AND o.k = mart.utc_day_key(e.happened_at)
LEFT JOIN billed ro ON ro.repair_order_id = e.repair_order_id
LEFT JOIN billed rd ON rd.ride_booking_id = e.ride_booking_id
GROUP BY ALL
ORDER BY e.organisation_id, e.customer_id, day, e.branch_id;


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
