-- Customer lifetime value as of `to`, per customer: historical = gross
-- profit (after chauffeur pay, net of refunds) of every invoice before
-- `to`; predicted = annual gross profit × r ÷ (1 + d − r), the value of a
-- customer retained with probability r a year, discounted at d = 10% a
-- year. Annual gross profit is the historical ÷ tenure in years (a
-- customer of less than a year counts a whole year). r is the
-- organisation's 12-month retention: of the customers invoiced in the 12
-- months before the last 12, the share invoiced again in the last 12.
-- Segment: the lines of business the customer used.
WITH c AS (
  SELECT i.customer_id, min(i.day) AS first_visit, max(i.day) AS last_visit, count(*) AS invoices,
         sum(i.revenue) AS revenue, sum(i.gross_profit - coalesce(p.chauffeur_pay, 0)) AS gross_profit,
         CASE WHEN bool_and(i.line_of_business = 'workshop') THEN 'workshop'
              WHEN bool_and(i.line_of_business = 'chauffeur') THEN 'chauffeur' ELSE 'both' END AS segment,
         bool_or(i.day >= CAST($to AS DATE) - INTERVAL 24 MONTH AND i.day < CAST($to AS DATE) - INTERVAL 12 MONTH) AS seen_before,
         bool_or(i.day >= CAST($to AS DATE) - INTERVAL 12 MONTH) AS seen_last_year
  FROM mart.customer_invoices i LEFT JOIN mart.invoice_chauffeur_pay p ON p.invoice_id = i.invoice_id
  WHERE i.organisation_id = $org AND mart.in_scope(i.branch_id, $branches) AND i.day < $to
  GROUP BY 1
),
r AS (
  SELECT mart.ratio(count(*) FILTER (WHERE seen_before AND seen_last_year), count(*) FILTER (WHERE seen_before)) AS retention FROM c
),
v AS (
  SELECT c.*, date_diff('day', c.first_visit, CAST($to AS DATE)) AS tenure_days,
         c.gross_profit * 365.0 / greatest(date_diff('day', c.first_visit, CAST($to AS DATE)), 365) AS annual_gross_profit,
         r.retention
  FROM c, r
)
SELECT customer_id, segment, first_visit, last_visit, invoices, revenue, gross_profit AS historical_clv, tenure_days,
       annual_gross_profit, retention, annual_gross_profit * retention / (1.1 - retention) AS predicted_clv
FROM v
ORDER BY predicted_clv DESC NULLS LAST, customer_id
