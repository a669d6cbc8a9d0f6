-- The high-value customers' (NTILE(5) = 1 on trailing-12-month gross
-- profit) share of revenue and gross profit over the same 12 months.
WITH c AS (
  SELECT customer_id, sum(gross_profit - coalesce(p.chauffeur_pay, 0)) AS gp, sum(revenue) AS revenue
  FROM mart.customer_invoices i LEFT JOIN mart.invoice_chauffeur_pay p ON p.invoice_id = i.invoice_id
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
    AND day >= CAST($to AS DATE) - INTERVAL 12 MONTH AND day < $to
  GROUP BY 1
),
q AS (SELECT *, ntile(5) OVER (ORDER BY round(gp, 2) DESC, customer_id) AS n FROM c)
SELECT count(*) AS customers, count(*) FILTER (WHERE n = 1) AS high_value_customers,
       sum(revenue) AS revenue_12m, sum(revenue) FILTER (WHERE n = 1) AS high_value_revenue_12m,
       mart.ratio(sum(revenue) FILTER (WHERE n = 1), sum(revenue)) AS high_value_revenue_share,
       mart.ratio(sum(gp) FILTER (WHERE n = 1), sum(gp)) AS high_value_gross_profit_share
FROM q
