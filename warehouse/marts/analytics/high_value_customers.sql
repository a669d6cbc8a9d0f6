-- Top 20% of customers by gross profit over the 12 months before `to`
-- (NTILE(5) = 1), with their revenue.
WITH c AS (
  SELECT customer_id, sum(gross_profit - coalesce(p.chauffeur_pay, 0)) AS gross_profit_12m, sum(revenue) AS revenue_12m
  FROM mart.customer_invoices i LEFT JOIN mart.invoice_chauffeur_pay p ON p.invoice_id = i.invoice_id
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
    AND day >= CAST($to AS DATE) - INTERVAL 12 MONTH AND day < $to
  GROUP BY 1
),
q AS (SELECT *, ntile(5) OVER (ORDER BY round(gross_profit_12m, 2) DESC, customer_id) AS gross_profit_quintile FROM c)
SELECT customer_id, gross_profit_12m, revenue_12m, gross_profit_quintile
FROM q WHERE gross_profit_quintile = 1
ORDER BY gross_profit_12m DESC, customer_id
