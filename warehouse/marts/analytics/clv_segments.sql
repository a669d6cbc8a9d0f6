-- Customer lifetime value per segment (the lines of business customers
-- used) as of `to`, as customer_lifetime_value defines it: customers,
-- historical and predicted value in total and on average.
WITH c AS (
  SELECT i.customer_id, min(i.day) AS first_visit, sum(i.gross_profit - coalesce(p.chauffeur_pay, 0)) AS gross_profit,
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
  SELECT c.segment, c.gross_profit,
         c.gross_profit * 365.0 / greatest(date_diff('day', c.first_visit, CAST($to AS DATE)), 365) * r.retention
           / (1.1 - r.retention) AS predicted
  FROM c, r
)
SELECT segment, count(*) AS customers, sum(gross_profit) AS historical_clv, avg(gross_profit) AS avg_historical_clv,
       sum(predicted) AS predicted_clv, avg(predicted) AS avg_predicted_clv
FROM v
GROUP BY 1
ORDER BY 1
