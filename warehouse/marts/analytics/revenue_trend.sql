-- Revenue (net of tax, workshop and chauffeur) per period with the same
-- period a year earlier and year-on-year growth. Use granularity month,
-- quarter or year.
WITH r AS (
  SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id, line_of_business, sum(revenue) AS revenue
  FROM mart.customer_invoices
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
    AND day >= CAST($from AS DATE) - INTERVAL 1 YEAR AND day < $to
  GROUP BY ALL
)
SELECT cur.period, cur.branch_id, cur.line_of_business, cur.revenue,
       prev.revenue AS revenue_prior_year,
       mart.ratio(cur.revenue - prev.revenue, prev.revenue) AS revenue_yoy_growth
FROM r cur
LEFT JOIN r prev ON prev.branch_id = cur.branch_id AND prev.line_of_business = cur.line_of_business
  AND prev.period = CAST(cur.period - INTERVAL 1 YEAR AS DATE)
WHERE cur.period >= CAST(date_trunc($grain, CAST($from AS DATE)) AS DATE)
ORDER BY cur.period, cur.branch_id, cur.line_of_business
